"""Saving a medication with its schedule: the one way the page's form and the API write
them, so both store the same shape and both re-plan reminders at once."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from pulserx.reminders.clock import patient_zone
from pulserx.reminders.intervals import course_from_next
from pulserx.reminders.models import DoseStatus, Medication, Schedule
from pulserx.reminders.planning import replan
from pulserx.reminders.schedule import Recurrence


def stored_times(times: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The `Schedule.times` JSON: sorted by time, amounts as plain decimal strings; a time
    tied to the patient's day keeps what it follows (`anchor`, `offset`)."""
    return sorted(({"at": entry["at"], "amount": f"{Decimal(str(entry['amount'])).normalize():f}",
                    **{key: entry[key] for key in ("anchor", "offset") if key in entry}}
                   for entry in times), key=lambda entry: entry["at"])


def stored_phases(phases: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A tapering plan's phases, each with its times stored like `stored_times`."""
    return [{"days": int(phase["days"]), "times": stored_times(phase["times"])}
            for phase in phases or []]


def schedule_of(medication: Medication) -> Schedule:
    """The medication's schedule, or a new (unsaved) one."""
    existing: Schedule | None = getattr(medication, "schedule", None)
    return existing or Schedule(patient_id=medication.patient_id, medication=medication)


def course_started(schedule: Schedule) -> bool:
    """Whether a dose of `schedule` has been reminded or recorded."""
    return schedule.pk is not None and schedule.doses.exclude(
        status=DoseStatus.SCHEDULED, alerts_sent=0).exists()


def start_course_from_next(schedule: Schedule, now: datetime) -> None:
    """A counted course not yet begun counts its doses from the next one still ahead: none
    of the N is lost to a first time that passed before it was saved."""
    if schedule.kind is not Recurrence.EVERY_HOURS or not schedule.dose_count \
            or course_started(schedule):
        return
    plan = course_from_next(schedule.interval_plan(), patient_zone(schedule.patient), now)
    schedule.anchor_at = plan.anchor


@transaction.atomic
def save_medication(medication: Medication, schedule: Schedule) -> Medication:
    """Write `medication` and its `schedule` (already checked: `schedule.timetable()` holds) in
    one transaction and re-plan the reminders not yet sent."""
    start_course_from_next(schedule, timezone.now())
    medication.save()
    schedule.medication = medication
    schedule.patient_id = medication.patient_id
    schedule.times = stored_times(schedule.times)
    schedule.phases = stored_phases(schedule.phases)
    schedule.save()
    medication.schedule = schedule
    replan(schedule)
    return medication
