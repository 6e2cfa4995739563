"""Saving a medication with its schedule: the one way the page's form and the API write
them, so both store the same shape and both re-plan reminders at once."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from pulserx.reminders.models import Medication, Schedule
from pulserx.reminders.planning import replan


def stored_times(times: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The `Schedule.times` JSON: sorted by time, amounts as plain decimal strings."""
    return sorted(({"at": entry["at"], "amount": f"{Decimal(str(entry['amount'])).normalize():f}"}
                   for entry in times), key=lambda entry: entry["at"])


def schedule_of(medication: Medication) -> Schedule:
    """The medication's schedule, or a new (unsaved) one."""
    existing: Schedule | None = getattr(medication, "schedule", None)
    return existing or Schedule(patient_id=medication.patient_id, medication=medication)


@transaction.atomic
def save_medication(medication: Medication, schedule: Schedule) -> Medication:
    """Write `medication` and its `schedule` (already checked: `schedule.plan()` holds) in
    one transaction and re-plan the reminders not yet sent."""
    medication.save()
    schedule.medication = medication
    schedule.patient_id = medication.patient_id
    schedule.times = stored_times(schedule.times)
    schedule.save()
    medication.schedule = schedule
    replan(schedule)
    return medication
