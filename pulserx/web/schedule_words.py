"""A schedule in words for the pages, for every kind: "every 8 hours from 06:00 (counted in
real hours: 8 h apart on a clock-change night too)". Times are in the reader's clock format
(`clock_format.page_time`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from pulserx.clock_format import page_day, page_time
from pulserx.reminders.anchors import DayAnchor
from pulserx.reminders.clock import patient_zone
from pulserx.reminders.models import IntervalFrom, Schedule
from pulserx.reminders.tapering import phase_dates, phase_index_on

Amount = Callable[[Decimal], str]


def anchored_words(anchor: DayAnchor, offset_minutes: int) -> str:
    """`anchors.anchored_label` in the reader's language ("at bedtime", "30 min before
    breakfast"); the English label itself stays the text the form reads back."""
    anchor = DayAnchor(anchor)
    values = {"minutes": abs(offset_minutes)}
    if offset_minutes == 0:
        return {DayAnchor.WAKE: _("on waking"), DayAnchor.BREAKFAST: _("at breakfast"),
                DayAnchor.LUNCH: _("at lunch"), DayAnchor.DINNER: _("at dinner"),
                DayAnchor.BEDTIME: _("at bedtime")}[anchor]
    if offset_minutes < 0:
        words = {DayAnchor.WAKE: _("%(minutes)s min before waking"),
                 DayAnchor.BREAKFAST: _("%(minutes)s min before breakfast"),
                 DayAnchor.LUNCH: _("%(minutes)s min before lunch"),
                 DayAnchor.DINNER: _("%(minutes)s min before dinner"),
                 DayAnchor.BEDTIME: _("%(minutes)s min before bedtime")}
    else:
        words = {DayAnchor.WAKE: _("%(minutes)s min after waking"),
                 DayAnchor.BREAKFAST: _("%(minutes)s min after breakfast"),
                 DayAnchor.LUNCH: _("%(minutes)s min after lunch"),
                 DayAnchor.DINNER: _("%(minutes)s min after dinner"),
                 DayAnchor.BEDTIME: _("%(minutes)s min after bedtime")}
    return words[anchor] % values


def time_words(entry: dict[str, Any], amount: Amount) -> str:
    label = page_time(time.fromisoformat(entry["at"]))
    if "anchor" in entry:
        # Translators: a time of day and the moment of the patient's day it is tied to:
        # "22:30, at bedtime".
        label = _("%(time)s, %(anchored)s") % {
            "time": label,
            "anchored": anchored_words(DayAnchor(entry["anchor"]), int(entry.get("offset", 0)))}
    # Translators: a time of day and the amount taken then: "08:00 (2 tablets)".
    return _("%(time)s (%(amount)s)") % {"time": label,
                                          "amount": amount(Decimal(str(entry["amount"])))}


def hours_words(minutes: int) -> str:
    """"45 minutes", "1 h 30 min", "hour" (as in "every hour"), "8 hours"."""
    if minutes % 60:
        if minutes < 60:
            return ngettext("%(n)s minute", "%(n)s minutes", minutes) % {"n": minutes}
        return _("%(hours)s h %(minutes)s min") % {"hours": minutes // 60,
                                                   "minutes": minutes % 60}
    if minutes == 60:
        # Translators: one hour, as in "every hour" or "at least hour apart".
        return pgettext("span of time", "hour")
    return ngettext("%(n)s hour", "%(n)s hours", minutes // 60) % {"n": minutes // 60}


def interval_summary(schedule: Schedule, amount: Amount) -> str:
    assert schedule.every_minutes is not None and schedule.anchor_at is not None
    first = schedule.anchor_at.astimezone(patient_zone(schedule.patient))
    # Translators: "2 tablets every 8 hours"; %(span)s is like "8 hours" or "hour".
    parts = [_("%(amount)s every %(span)s") % {"amount": amount(schedule.dose_amount),
                                                "span": hours_words(schedule.every_minutes)}]
    if schedule.window_start is not None and schedule.window_end is not None:
        start, end = page_time(schedule.window_start), page_time(schedule.window_end)
        parts.append(_("between %(start)s and %(end)s, starting again at %(start)s each day")
                     % {"start": start, "end": end})
    elif schedule.interval_from == IntervalFrom.TAKEN:
        parts.append(_("counted from when you last took it"))
    else:
        # Translators: the first dose of a series: "from 25 Mar 06:00".
        parts.append(_("from %(day)s %(time)s") % {"day": page_day(first, weekday=False),
                                                   "time": page_time(first)})
    parts.append(_("real elapsed time: the same hours apart on a clock-change night"))
    if schedule.dose_count:
        # English reads "1 doses in all" as it always has.
        parts.append(ngettext("%(count)s doses in all", "%(count)s doses in all",
                              schedule.dose_count) % {"count": schedule.dose_count})
    return " · ".join(parts)


def taper_summary(schedule: Schedule, amount: Amount) -> str:
    plan = schedule.taper_plan()
    steps = []
    for phase, (first, last) in zip(schedule.phases, phase_dates(plan), strict=True):
        times = ", ".join(time_words(t, amount) for t in phase["times"])
        if last:
            # Translators: one step of a tapering plan: its doses, then its days.
            step = _("%(times)s %(first)s to %(last)s") % {
                "times": times, "first": page_day(first, weekday=False),
                "last": page_day(last, weekday=False)}
        else:
            # Translators: the last step of a tapering plan, which goes on: its doses, then
            # its first day.
            step = _("%(times)s from %(first)s on") % {
                "times": times, "first": page_day(first, weekday=False)}
        steps.append(step)
    ending = _("then carry on") if schedule.continue_last_phase else _("then stop")
    # Translators: joins the steps of a tapering plan: "… · then …".
    joined = _(" · then ").join(steps)
    # Translators: %(steps)s are the plan's steps, %(ending)s "then stop" or "then carry on".
    return _("Tapering: %(steps)s · %(ending)s") % {"steps": joined, "ending": ending}


def as_needed_summary(schedule: Schedule, amount: Amount) -> str:
    parts = [_("As needed (%(amount)s) · no reminders") % {
        "amount": amount(schedule.dose_amount)}]
    if schedule.max_doses:
        # Translators: a limit of an as-needed medication: "at most 4 in 24 h".
        parts.append(_("at most %(most)s in %(hours)s h") % {
            "most": schedule.max_doses, "hours": schedule.limit_period_hours})
    if schedule.min_gap_minutes:
        # Translators: %(span)s is like "4 hours", "1 h 30 min" or "hour".
        parts.append(_("at least %(span)s apart") % {
            "span": hours_words(schedule.min_gap_minutes)})
    return " · ".join(parts)


def phase_now(schedule: Schedule, today: date) -> dict[str, Any] | None:
    """For Today: which phase of a taper applies and what comes next."""
    if schedule.recurrence != "taper":
        return None
    plan = schedule.taper_plan()
    index = phase_index_on(plan, today)
    if index is None:
        return None
    dates = phase_dates(plan)
    following = schedule.phases[index + 1] if index + 1 < len(schedule.phases) else None
    return {"number": index + 1, "of": len(schedule.phases), "last_day": dates[index][1],
            "phase": schedule.phases[index], "next": following,
            "next_start": dates[index + 1][0] if following else None,
            "ends": not schedule.continue_last_phase}


def taper_entries(patient: Any, today: date) -> list[dict[str, Any]]:
    """The patient's tapering plans with the phase of `today`, for the Today page."""
    schedules = Schedule.objects.filter(patient=patient, recurrence="taper",
                                        medication__paused=False).select_related("medication")
    entries = []
    for schedule in schedules:
        try:
            now = phase_now(schedule, today)
        except ValueError:
            continue
        if now is not None:
            entries.append({"medication": schedule.medication, **now})
    return entries


def first_dose_words(schedule: Schedule, now: datetime) -> str:
    """Which dose comes first, said when a medication is saved: "The first of its 21 doses is
    today at 22:00." ("" when nothing is planned)."""
    if schedule.next_due_at is None:
        return ""
    zone = patient_zone(schedule.patient)
    local = schedule.next_due_at.astimezone(zone)
    day = local.date()
    today = now.astimezone(zone).date()
    at = page_time(local)
    # The English singular keeps the plural ("1 doses") as it has always read; other
    # languages give each count its own form.
    if schedule.dose_count and schedule.recurrence == "every_hours":
        values = {"count": schedule.dose_count, "time": at, "day": page_day(local)}
        if day == today:
            return ngettext("The first of its %(count)s doses is today at %(time)s.",
                            "The first of its %(count)s doses is today at %(time)s.",
                            schedule.dose_count) % values
        if day == today + timedelta(days=1):
            return ngettext("The first of its %(count)s doses is tomorrow at %(time)s.",
                            "The first of its %(count)s doses is tomorrow at %(time)s.",
                            schedule.dose_count) % values
        # Translators: %(day)s is like "Wed 25 Mar".
        return ngettext("The first of its %(count)s doses is on %(day)s at %(time)s.",
                        "The first of its %(count)s doses is on %(day)s at %(time)s.",
                        schedule.dose_count) % values
    if day == today:
        return _("Its first reminder is today at %(time)s.") % {"time": at}
    if day == today + timedelta(days=1):
        return _("Its first reminder is tomorrow at %(time)s.") % {"time": at}
    # Translators: %(day)s is like "Wed 25 Mar".
    return _("Its first reminder is on %(day)s at %(time)s.") % {"day": page_day(local),
                                                                 "time": at}
