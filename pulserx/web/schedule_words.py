"""A schedule in words for the pages, for every kind: "every 8 hours from 06:00 (counted in
real hours: 8 h apart on a clock-change night too)". Times are in the reader's clock format
(`clock_format.page_time`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from pulserx.clock_format import page_time
from pulserx.reminders.anchors import DayAnchor, anchored_label
from pulserx.reminders.clock import patient_zone
from pulserx.reminders.models import IntervalFrom, Schedule
from pulserx.reminders.tapering import phase_dates, phase_index_on

Amount = Callable[[Decimal], str]


def time_words(entry: dict[str, Any], amount: Amount) -> str:
    label = page_time(time.fromisoformat(entry["at"]))
    if "anchor" in entry:
        label += f", {anchored_label(DayAnchor(entry['anchor']), int(entry.get('offset', 0)))}"
    return f"{label} ({amount(Decimal(str(entry['amount'])))})"


def hours_words(minutes: int) -> str:
    if minutes % 60:
        return f"{minutes} minutes" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"
    return "hour" if minutes == 60 else f"{minutes // 60} hours"


def interval_summary(schedule: Schedule, amount: Amount) -> str:
    assert schedule.every_minutes is not None and schedule.anchor_at is not None
    first = schedule.anchor_at.astimezone(patient_zone(schedule.patient))
    parts = [f"{amount(schedule.dose_amount)} every {hours_words(schedule.every_minutes)}"]
    if schedule.window_start is not None and schedule.window_end is not None:
        start, end = page_time(schedule.window_start), page_time(schedule.window_end)
        parts.append(f"between {start} and {end}, starting again at {start} each day")
    elif schedule.interval_from == IntervalFrom.TAKEN:
        parts.append("counted from when you last took it")
    else:
        parts.append(f"from {first:%-d %b} {page_time(first)}")
    parts.append("real elapsed time: the same hours apart on a clock-change night")
    if schedule.dose_count:
        parts.append(f"{schedule.dose_count} doses in all")
    return " · ".join(parts)


def taper_summary(schedule: Schedule, amount: Amount) -> str:
    plan = schedule.taper_plan()
    steps = []
    for phase, (first, last) in zip(schedule.phases, phase_dates(plan), strict=True):
        times = ", ".join(time_words(t, amount) for t in phase["times"])
        span = f"{first:%-d %b} to {last:%-d %b}" if last else f"from {first:%-d %b} on"
        steps.append(f"{times} {span}")
    ending = "then carry on" if schedule.continue_last_phase else "then stop"
    return f"Tapering: {' · then '.join(steps)} · {ending}"


def as_needed_summary(schedule: Schedule, amount: Amount) -> str:
    parts = [f"As needed ({amount(schedule.dose_amount)}) · no reminders"]
    if schedule.max_doses:
        parts.append(f"at most {schedule.max_doses} in {schedule.limit_period_hours} h")
    if schedule.min_gap_minutes:
        parts.append(f"at least {hours_words(schedule.min_gap_minutes)} apart")
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
    when = ("today" if day == today else "tomorrow" if day == today + timedelta(days=1)
            else f"on {local:%a} {local.day} {local:%b}")
    what = (f"The first of its {schedule.dose_count} doses" if schedule.dose_count
            and schedule.recurrence == "every_hours" else "Its first reminder")
    return f"{what} is {when} at {page_time(local)}."
