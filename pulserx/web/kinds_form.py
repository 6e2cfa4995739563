"""The parts of the medication form for the newer kinds of schedule: every few hours, a
tapering plan, limits on an as-needed medication, and times tied to the patient's day.

Phases and anchored times are typed as short lines ("5 days: 08:00 x4, 20:00 x2",
"30 min before breakfast x1") that the form reads back with a message per bad line: a person
sees the whole plan at once, and a no-JavaScript page needs no row machinery.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from pulserx.accounts.models import Patient
from pulserx.clock_format import accepted_formats, page_day, page_time
from pulserx.reminders.amounts import quantity_text, read_quantity, written_quantity
from pulserx.reminders.anchors import (
    MAX_OFFSET_MINUTES,
    DayAnchor,
    PatientDay,
    anchored_label,
    resolve,
)
from pulserx.reminders.models import IntervalFrom, LimitGroup, Schedule
from pulserx.reminders.schedule import Recurrence, to_utc
from pulserx.reminders.tapering import MAX_PHASE_DAYS, MAX_PHASES, TaperPlan, passed_on_first_day
from pulserx.web.quantity_field import QuantityField
from pulserx.web.schedule_words import anchored_words
from pulserx.web.time_fields import WallTimeField, stored_time

_PHASE = re.compile(r"^\s*(\d{1,3})\s*days?\s*:\s*(.+)$", re.IGNORECASE)
_TIME_AMOUNT = re.compile(r"^\s*(.+?)\s*(?:[x\u00d7]\s*(\d+(?:[.,]\d{1,2})?))?\s*$")
_ANCHORED = re.compile(
    r"^\s*(?:(?:(\d{1,3})\s*min(?:utes)?\s+(before|after)\s+)|at\s+|on\s+)?"
    r"(waking|wake|breakfast|lunch|dinner|bedtime)\s*(?:[x\u00d7]\s*(\d+(?:[.,]\d{1,2})?))?\s*$",
    re.IGNORECASE)
HOURS_HELP = gettext_lazy("Counted in real hours, so doses stay exactly this far apart on the "
                          "night the clocks change.")
FROM_HELP = {
    IntervalFrom.SCHEDULED: gettext_lazy("From the scheduled time: the times stay fixed "
                                         "(08:00, 16:00, 00:00…) even if you take a dose late."),
    IntervalFrom.TAKEN: gettext_lazy("From when you last took it: taking a dose late moves "
                                     "every later reminder by as much, so the times drift "
                                     "through the day."),
}


def _amount(text: str | None) -> str | None:
    """The amount after "x" as stored ("0.5"), typed the reader's way ("x0,5" or "x0.5";
    none: 1), or None when it cannot be read."""
    try:
        return quantity_text(read_quantity(text)) if text else "1"
    except ValueError:
        return None


def _time_parts(times: str) -> list[str]:
    """The "08:00 x2" parts of a phase, split at its commas, except a decimal comma inside an
    amount ("08:00 x0,5, 20:00 x1" has two parts)."""
    parts: list[str] = []
    for piece in times.split(","):
        if parts and re.fullmatch(r"\d{1,2}\s*", piece) and re.search(r"[x\u00d7]\s*\d+$",
                                                                     parts[-1]):
            parts[-1] += "," + piece
        else:
            parts.append(piece)
    return parts


def parse_anchored(text: str, day: PatientDay) -> list[dict[str, Any]]:
    """Lines like "30 min before breakfast x1" as stored time entries; ValueError names the
    line that cannot be read."""
    entries = []
    for line in filter(str.strip, text.splitlines()):
        match = _ANCHORED.match(line)
        amount = _amount(match[4]) if match else None
        if match is None or amount is None:
            # Translators: keep the examples in English: the lines are read in English.
            raise ValueError(_("“%(line)s” is not a time of your day. Write for example "
                               "“at bedtime” or “30 min before breakfast x2”.")
                             % {"line": line.strip()})
        minutes, direction, name = match.groups()[:3]
        anchor = DayAnchor("wake" if name.lower().startswith("wak") else name.lower())
        offset = int(minutes or 0) * (-1 if (direction or "").lower() == "before" else 1)
        if abs(offset) > MAX_OFFSET_MINUTES:
            # Translators: %(anchor)s is a moment of the day ("breakfast", "bedtime"…).
            raise ValueError(_("an offset from %(anchor)s must be within %(most)s minutes")
                             % {"anchor": ANCHOR_NOUNS[anchor], "most": MAX_OFFSET_MINUTES})
        try:
            wall = resolve(day, anchor, offset)
        except ValueError:
            # Translators: %(time)s is like "30 min before waking".
            raise ValueError(_("%(time)s falls outside the day")
                             % {"time": anchored_words(anchor, offset)}) from None
        entries.append({"at": wall.strftime("%H:%M"), "anchor": anchor.value,
                        "offset": offset, "amount": amount})
    return entries


ANCHOR_NOUNS = {
    DayAnchor.WAKE: pgettext_lazy("moment of the day", "wake"),
    DayAnchor.BREAKFAST: pgettext_lazy("moment of the day", "breakfast"),
    DayAnchor.LUNCH: pgettext_lazy("moment of the day", "lunch"),
    DayAnchor.DINNER: pgettext_lazy("moment of the day", "dinner"),
    DayAnchor.BEDTIME: pgettext_lazy("moment of the day", "bedtime"),
}


def anchored_lines(entries: list[dict[str, Any]]) -> str:
    return "\n".join(f"{anchored_label(DayAnchor(e['anchor']), int(e['offset']))} "
                     f"x{written_quantity(Decimal(str(e['amount'])))}" for e in entries
                     if "anchor" in e)


def parse_phases(text: str) -> list[dict[str, Any]]:
    """Lines like "5 days: 08:00 x4, 20:00 x2", one phase each, in order."""
    phases = []
    for line in filter(str.strip, text.splitlines()):
        match = _PHASE.match(line)
        if not match:
            # Translators: keep the example in English: the lines are read in English.
            raise ValueError(_("“%(line)s” is not a phase. Write for example "
                               "“5 days: 08:00 x4, 20:00 x2”.") % {"line": line.strip()})
        days = int(match[1])
        if not 1 <= days <= MAX_PHASE_DAYS:
            raise ValueError(ngettext("A phase lasts 1 to %(most)s day (“%(line)s”).",
                                      "A phase lasts 1 to %(most)s days (“%(line)s”).",
                                      MAX_PHASE_DAYS)
                             % {"most": MAX_PHASE_DAYS, "line": line.strip()})
        times = []
        for part in _time_parts(match[2]):
            found = _TIME_AMOUNT.match(part)
            at = stored_time(found[1]) if found else None
            amount = _amount(found[2]) if found else None
            if found is None or at is None or amount is None:
                # Translators: %(example)s is a time and amount such as "08:00 x2";
                # %(accepted)s says how to write a time.
                raise ValueError(_("“%(part)s” is not a time and amount like %(example)s. "
                                   "%(accepted)s")
                                 % {"part": part.strip(), "example": f"{page_time(time(8, 0))} x2",
                                    "accepted": accepted_formats()})
            times.append({"at": at, "amount": amount})
        if len({t["at"] for t in times}) != len(times):
            raise ValueError(_("A time is listed twice in “%(line)s”.") % {"line": line.strip()})
        phases.append({"days": days, "times": sorted(times, key=lambda t: t["at"])})
    if not phases:
        raise ValueError(_("Add at least one phase."))
    if len(phases) > MAX_PHASES:
        raise ValueError(ngettext("At most %(most)s phase.", "At most %(most)s phases.", MAX_PHASES)
                         % {"most": MAX_PHASES})
    return phases


def phase_lines(phases: list[dict[str, Any]]) -> str:
    return "\n".join(f"{p['days']} days: " + ", ".join(
        f"{page_time(time.fromisoformat(t['at']))} x{written_quantity(Decimal(str(t['amount'])))}"
        for t in p["times"])
        for p in phases)


def hours_of(minutes: int) -> Decimal:
    """Minutes apart as the form's hours, to the field's two places ("1.67" for 100 minutes,
    not 1.666…, which the field itself would refuse on saving). Two places are within 0.3
    minutes, so the saved whole minutes come back exactly."""
    return (Decimal(minutes) / 60).quantize(Decimal("0.01")).normalize() + 0


class KindsForm(forms.Form):
    """Fields of the newer kinds; only those of the chosen recurrence are read."""

    every_hours = QuantityField(required=False, min_value=Decimal("0.25"),
                                     max_value=168, decimal_places=2, label=gettext_lazy("Every"),
                                     help_text=HOURS_HELP)
    first_at = WallTimeField(required=False, label=gettext_lazy("First dose at"),
                             help_text=gettext_lazy("On the first day, on your clock (like "
                                                    "08:00 or 8 am)."))
    window_start = WallTimeField(required=False, label=gettext_lazy("Only from"))
    window_end = WallTimeField(required=False, label=gettext_lazy("Until"),
                               help_text=gettext_lazy("Leave both empty for day and night. "
                                                      "With a window each day starts again "
                                                      "at its start."))
    interval_from = forms.ChoiceField(choices=[(k.value, v) for k, v in FROM_HELP.items()],
                                      initial=IntervalFrom.SCHEDULED.value, required=False,
                                      widget=forms.RadioSelect,
                                      label=gettext_lazy("Count the hours"))
    dose_count = forms.IntegerField(required=False, min_value=1, max_value=1000,
                                    label=gettext_lazy("Doses in all"),
                                    help_text=gettext_lazy(
                                        "Counted from the first dose still ahead when you "
                                        "save: if the first time has passed, the course "
                                        "starts at the next time of the series."))
    dose_amount = QuantityField(required=False, min_value=Decimal("0.01"),
                                     max_value=9999, decimal_places=2, initial=1,
                                     label=gettext_lazy("Amount each time"))
    phases = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}),
                             label=gettext_lazy("Phases"),
                             # Translators: keep the examples in English (read in English).
                             help_text=gettext_lazy("One line per phase, in order: "
                                                    "“5 days: 08:00 x4” then “5 days: 08:00 "
                                                    "x3”…"))
    continue_last_phase = forms.TypedChoiceField(
        choices=[("0", gettext_lazy("Stop after the last phase")),
                 ("1", gettext_lazy("Carry on with the last phase"))],
        coerce=lambda v: v == "1", initial="0", required=False, widget=forms.RadioSelect,
        label=gettext_lazy("Then"))
    anchored = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}),
                               label=gettext_lazy("Times tied to your day"),
                               # Translators: keep the examples in English (read in English).
                               help_text=gettext_lazy("One per line, like “at bedtime” or "
                                                      "“30 min before breakfast x2”. They "
                                                      "move when you change your day in "
                                                      "Settings."))
    max_doses = forms.IntegerField(required=False, min_value=1, max_value=100,
                                   label=gettext_lazy("At most"),
                                   # Translators: after the number field "At most [3]".
                                   help_text=gettext_lazy("doses"))
    limit_period_hours = forms.IntegerField(required=False, min_value=1, max_value=24 * 7,
                                            initial=24, label=gettext_lazy("In any"))
    min_gap_hours = QuantityField(required=False, min_value=Decimal("0.25"),
                                       max_value=72, decimal_places=2,
                                       label=gettext_lazy("At least this many hours apart"))
    limit_group = forms.CharField(required=False, max_length=80,
                                  label=gettext_lazy("Shared limit"),
                                  help_text=gettext_lazy("Give two medications the same name "
                                                         "here (e.g. “paracetamol”) and the "
                                                         "limits count both."))
    alert_caregivers_on_override = forms.BooleanField(
        required=False, initial=True,
        label=gettext_lazy("Tell the people who look after me when I go over a limit"))

    def __init__(self, *args: Any, day: PatientDay, zone: ZoneInfo, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.day, self.zone = day, zone
        self.anchored_times: list[dict[str, Any]] = []
        self.phase_rows: list[dict[str, Any]] = []
        self.group_name = ""

    @classmethod
    def initial_for(cls, schedule: Schedule | None, zone: ZoneInfo) -> dict[str, Any]:
        if schedule is None or schedule.pk is None:
            return {}
        first = schedule.anchor_at.astimezone(zone) if schedule.anchor_at else None
        gap = schedule.min_gap_minutes
        return {
            "every_hours": hours_of(schedule.every_minutes) if schedule.every_minutes
            else None, "first_at": page_time(first) if first else "",
            "window_start": page_time(schedule.window_start) if schedule.window_start else "",
            "window_end": page_time(schedule.window_end) if schedule.window_end else "",
            "interval_from": schedule.interval_from, "dose_count": schedule.dose_count,
            "dose_amount": schedule.dose_amount, "phases": phase_lines(schedule.phases),
            "continue_last_phase": "1" if schedule.continue_last_phase else "0",
            "anchored": anchored_lines(schedule.times), "max_doses": schedule.max_doses,
            "limit_period_hours": schedule.limit_period_hours,
            "min_gap_hours": Decimal(gap) / 60 if gap else None,
            "limit_group": schedule.limit_group.name if schedule.limit_group else "",
            "alert_caregivers_on_override": schedule.alert_caregivers_on_override,
        }

    def check(self, recurrence: Recurrence, start: date | None, new: bool = False) -> None:
        """Validate the fields of `recurrence` (after is_valid); errors go on the fields.
        `new`: the course is being added, so a first day already partly past is refused."""
        data = self.cleaned_data
        if recurrence is Recurrence.EVERY_HOURS:
            if data.get("every_hours") is None:
                self.add_error("every_hours", _("Say how many hours apart."))
            if not data.get("first_at"):
                self.add_error("first_at", _("Give the time of the first dose."))
            if bool(data.get("window_start")) != bool(data.get("window_end")):
                self.add_error("window_end", _("Give both ends of the window, or neither."))
            elif data.get("window_start") and \
                    time.fromisoformat(data["window_start"].zfill(5)) >= \
                    time.fromisoformat(data["window_end"].zfill(5)):
                self.add_error("window_end", _("The window must end after it starts."))
        elif recurrence is Recurrence.TAPER:
            self._read("phases", lambda: parse_phases(data.get("phases") or ""), "phase_rows")
            if new and start is not None and self.phase_rows:
                self._check_first_day(start)
        elif recurrence is not Recurrence.AS_NEEDED:
            self._read("anchored", lambda: parse_anchored(data.get("anchored") or "",
                                                          self.day), "anchored_times")

    def _check_first_day(self, start: date) -> None:
        schedule = Schedule(recurrence=Recurrence.TAPER, start_date=start,
                            phases=self.phase_rows)
        try:
            plan = schedule.taper_plan()
        except ValueError:
            return  # the plan's own rules are checked when it is applied
        problem = first_day_problem(plan, self.zone, timezone.now())
        if problem:
            self.add_error("phases", problem)

    def _read(self, name: str, parse: Any, into: str) -> None:
        try:
            setattr(self, into, parse())
        except ValueError as error:
            self.add_error(name, str(error))

    def apply(self, schedule: Schedule, recurrence: Recurrence, start: date) -> None:
        data = self.cleaned_data
        schedule.dose_amount = data.get("dose_amount") or Decimal(1)
        schedule.phases = self.phase_rows if recurrence is Recurrence.TAPER else []
        schedule.continue_last_phase = bool(data.get("continue_last_phase"))
        is_interval = recurrence is Recurrence.EVERY_HOURS
        schedule.every_minutes = (round(data["every_hours"] * 60) if is_interval
                                  else None)
        schedule.anchor_at = (to_utc(start, time.fromisoformat(data["first_at"].zfill(5)),
                                     self.zone) if is_interval else None)
        schedule.window_start = _time(data.get("window_start")) if is_interval else None
        schedule.window_end = _time(data.get("window_end")) if is_interval else None
        schedule.interval_from = data.get("interval_from") or IntervalFrom.SCHEDULED
        schedule.dose_count = data.get("dose_count") if is_interval else None
        self._apply_limits(schedule, recurrence is Recurrence.AS_NEEDED)

    def _apply_limits(self, schedule: Schedule, as_needed: bool) -> None:
        data = self.cleaned_data
        gap = data.get("min_gap_hours")
        schedule.max_doses = data.get("max_doses") if as_needed else None
        schedule.limit_period_hours = data.get("limit_period_hours") or 24
        schedule.min_gap_minutes = int(gap * 60) if as_needed and gap else None
        schedule.alert_caregivers_on_override = bool(data.get("alert_caregivers_on_override"))
        self.group_name = (data.get("limit_group") or "").strip() if as_needed else ""
        if not self.group_name:
            schedule.limit_group = None

    def save_group(self, schedule: Schedule) -> None:
        """Join (or start) the shared limit named on the form; inside the save transaction."""
        if self.group_name:
            schedule.limit_group = limit_group_named(schedule.patient, self.group_name,
                                                     schedule)


def first_day_problem(plan: TaperPlan, zone: ZoneInfo, now: datetime) -> str | None:
    """`tapering.first_day_problem` in the reader's language: why a new plan cannot start
    on its first day (some of that day's doses have already passed), or None."""
    first = plan.phases[0]
    passed = passed_on_first_day(plan.start, first, zone, now)
    if not passed:
        return None
    total = len(first.times)
    # Translators: %(day)s is like "Wed 25 Mar", %(times)s a list of times ("08:00, 14:00");
    # singular and plural follow how many of those times have passed.
    sentence = ngettext(
        "On %(day)s %(times)s has already passed, so the first step would have %(left)s of "
        "its %(total)s doses that day.",
        "On %(day)s %(times)s have already passed, so the first step would have %(left)s of "
        "its %(total)s doses that day.", len(passed)) % {
        "day": page_day(plan.start), "times": ", ".join(page_time(wall) for wall in passed),
        "left": total - len(passed), "total": total}
    return f"{sentence} {_('Start the plan on a later day.')}"


def limit_group_named(patient: Patient, name: str, schedule: Schedule) -> LimitGroup:
    """The patient's shared limit of that name; a new one takes this medication's limits."""
    group = LimitGroup.objects.filter(patient=patient, name__iexact=name).first()
    if group is None:
        group = LimitGroup.objects.create(
            patient=patient, name=name, max_doses=schedule.max_doses,
            period_hours=schedule.limit_period_hours, min_gap_minutes=schedule.min_gap_minutes)
    return group


def _time(text: str | None) -> time | None:
    return time.fromisoformat(text.zfill(5)) if text else None
