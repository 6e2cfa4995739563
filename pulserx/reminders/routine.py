"""The patient's day (wake, meals, bedtime) and the dose times anchored to it.

An anchored time is stored like any other (`{"at": "07:00", ...}`) plus what it follows
(`"anchor": "breakfast", "offset": -30`), so every reader of `at` keeps working; changing the
day re-resolves `at` and re-plans the doses that have not reminded anyone yet.
"""

from __future__ import annotations

from datetime import time
from typing import Any

from django.db import transaction
from django.utils.translation import gettext

from pulserx.accounts.models import Patient
from pulserx.reminders.anchors import DayAnchor, PatientDay, resolve
from pulserx.reminders.models import DayRoutine, Schedule
from pulserx.reminders.planning import replan

Entry = dict[str, Any]


def resolved(entries: list[Entry], day: PatientDay) -> list[Entry]:
    """The entries with each anchored `at` recomputed for `day`, sorted by time. Raises
    ValueError when an offset leaves the day or two entries land on one time."""
    result = []
    for entry in entries:
        if "anchor" in entry:
            wall = resolve(day, DayAnchor(entry["anchor"]), int(entry.get("offset", 0)))
            entry = {**entry, "at": wall.strftime("%H:%M")}
        result.append(entry)
    ats = [entry["at"] for entry in result]
    if len(set(ats)) != len(ats):
        raise ValueError(gettext("two dose times fall at the same moment of the day"))
    return sorted(result, key=lambda entry: entry["at"])


def resolve_schedule(schedule: Schedule, day: PatientDay) -> bool:
    """Re-resolve the schedule's anchored times (and its phases'); True if any moved."""
    times = resolved(schedule.times, day)
    phases = [{**phase, "times": resolved(phase["times"], day)} for phase in schedule.phases]
    changed = times != schedule.times or phases != schedule.phases
    schedule.times, schedule.phases = times, phases
    return changed


def is_anchored(schedule: Schedule) -> bool:
    entries = [*schedule.times, *(t for p in schedule.phases for t in p["times"])]
    return any("anchor" in entry for entry in entries)


@transaction.atomic
def set_routine(patient: Patient, **moments: time) -> DayRoutine:
    """Change the patient's day; anchored dose times move with it. Raises ValueError (and
    changes nothing) if a dose time would leave the day or collide with another."""
    routine, _ = DayRoutine.objects.get_or_create(patient=patient)
    for name, value in moments.items():
        setattr(routine, DayAnchor(name).value, value)
    routine.save()
    day = routine.as_day()
    for schedule in Schedule.objects.filter(patient=patient).select_related(
            "patient", "medication"):
        if is_anchored(schedule) and resolve_schedule(schedule, day):
            schedule.save(update_fields=["times", "phases"])
            replan(schedule)
    return routine
