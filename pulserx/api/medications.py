"""Medications with their schedule: one request creates or changes both, or neither."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Router, Status
from ninja.errors import HttpError, ValidationError

from pulserx.accounts.models import Patient
from pulserx.api.auth import any_auth, caller_patient
from pulserx.api.schemas import (
    NULLABLE,
    ErrorOut,
    MedicationIn,
    MedicationOut,
    MedicationPatch,
    ScheduleIn,
)
from pulserx.reminders.actions import delete_medication, set_paused
from pulserx.reminders.clock import local_today, patient_zone
from pulserx.reminders.medications import (
    save_medication,
    schedule_of,
    stored_phases,
    stored_times,
)
from pulserx.reminders.models import (
    Medication,
    MedicationLimitError,
    Schedule,
    check_room_for_medication,
)
from pulserx.reminders.schedule import WALL_RECURRENCES, Plan
from pulserx.reminders.tapering import first_day_problem
from pulserx.reminders.timetable import TaperTimetable

router = Router(tags=["medications"], auth=any_auth)

SCHEDULE_FIELDS = ("recurrence", "times", "weekdays", "every_days", "days_on", "days_off",
                   "start_date", "end_date", "every_minutes", "anchor_at", "window_start",
                   "window_end", "interval_from", "dose_count", "dose_amount", "phases",
                   "continue_last_phase", "max_doses", "limit_period_hours",
                   "min_gap_minutes")
# Which schedule field a `Plan` error message is about; the first needle found wins.
_PLAN_ERROR_FIELDS = (("end (", "end_date"), ("time of day", "times"), ("times", "times"),
                      ("every_days", "every_days"), ("weekday", "weekdays"),
                      ("days_on", "days_on"), ("days_off", "days_off"), ("start", "start_date"))
_NOT_FOUND = {404: ErrorOut}


def caller_medication(patient: Patient, medication_id: int) -> Medication:
    """The caller's medication, or 404 (whether it belongs to someone else or to no one)."""
    return get_object_or_404(Medication.objects.select_related("schedule"),
                             pk=medication_id, patient=patient)


def schedule_error(field: str, message: str) -> ValidationError:
    return ValidationError([{"type": "value_error", "msg": message,
                             "loc": ["body", "payload", "schedule", field]}])


def checked_plan(fields: dict[str, Any]) -> object:
    """Build the schedule's `Plan` — the one definition of a valid schedule — or raise a 422
    whose location names the offending field."""
    if fields["recurrence"] not in WALL_RECURRENCES:
        return checked_timetable(fields)
    try:
        return Plan(
            times=tuple(time.fromisoformat(entry["at"]) for entry in fields["times"]),
            recurrence=fields["recurrence"], start=fields["start_date"],
            end=fields["end_date"], weekdays=frozenset(fields["weekdays"]),
            every_days=fields["every_days"], days_on=fields["days_on"],
            days_off=fields["days_off"],
        )
    except ValueError as error:
        message = str(error)
        field = next((f for needle, f in _PLAN_ERROR_FIELDS if needle in message), "recurrence")
        raise schedule_error(field, message) from None


def checked_timetable(fields: dict[str, Any]) -> object:
    """Every-N-hours and tapering schedules: the pure schedule math decides (422 if not)."""
    schedule = Schedule(**{name: fields[name] for name in SCHEDULE_FIELDS
                           if name not in ("times", "phases")})
    schedule.times = stored_times(fields["times"])
    schedule.phases = stored_phases(fields["phases"])
    try:
        return schedule.timetable()
    except ValueError as error:
        field = "phases" if fields["recurrence"] == "taper" else "every_minutes"
        raise schedule_error(field, str(error)) from None


def current_schedule(medication: Medication, default_start: date) -> dict[str, Any]:
    """The medication's schedule as API fields (the defaults when it has none)."""
    schedule = getattr(medication, "schedule", None)
    if schedule is None:
        return ScheduleIn(start_date=default_start).model_dump()
    fields = {name: getattr(schedule, name) for name in SCHEDULE_FIELDS}
    # A time tied to the patient's day keeps what it follows unless the times are replaced.
    fields["times"] = [{**t, "amount": Decimal(str(t["amount"]))} for t in schedule.times]
    fields["phases"] = [{"days": p["days"], "times": [
        {"at": t["at"], "amount": Decimal(str(t["amount"]))} for t in p["times"]]}
        for p in schedule.phases]
    return fields


def reject_nulls(data: dict[str, Any], *prefix: str) -> None:
    for name, value in data.items():
        if value is None and name not in NULLABLE:
            raise ValidationError([{"type": "value_error", "msg": "must not be null",
                                    "loc": ["body", "payload", *prefix, name]}])


def write(medication: Medication, fields: dict[str, Any],
          schedule_fields: dict[str, Any]) -> Medication:
    """Apply the (already checked) fields and save both through the one service."""
    for name, value in fields.items():
        setattr(medication, name, value)
    schedule = schedule_of(medication)
    for name in SCHEDULE_FIELDS:
        setattr(schedule, name, schedule_fields[name])
    return save_medication(medication, schedule)


@router.get("/medications", response=list[MedicationOut])
def list_medications(request: HttpRequest) -> Any:
    return Medication.objects.filter(patient=caller_patient(request)).select_related("schedule")


@router.post("/medications", response={201: MedicationOut, 409: ErrorOut})
def create_medication(request: HttpRequest, payload: MedicationIn) -> Any:
    """Create a medication and its schedule in one transaction. `start_date` defaults to
    today in the patient's clock. 409 when the patient already has the most medications
    one account may hold."""
    patient = caller_patient(request)
    try:
        check_room_for_medication(patient)
    except MedicationLimitError as error:
        raise HttpError(409, str(error)) from None
    fields = payload.model_dump()
    schedule_fields = fields.pop("schedule")
    schedule_fields["start_date"] = schedule_fields["start_date"] or local_today(patient)
    plan = checked_plan(schedule_fields)
    if isinstance(plan, TaperTimetable):
        problem = first_day_problem(plan.plan, patient_zone(patient), timezone.now())
        if problem:
            raise schedule_error("start_date", problem)
    return Status(201, write(Medication(patient=patient), fields, schedule_fields))


@router.get("/medications/{medication_id}", response={200: MedicationOut, **_NOT_FOUND})
def get_medication(request: HttpRequest, medication_id: int) -> Any:
    return caller_medication(caller_patient(request), medication_id)


@router.put("/medications/{medication_id}", response={200: MedicationOut, **_NOT_FOUND})
def replace_medication(request: HttpRequest, medication_id: int, payload: MedicationIn) -> Any:
    """Replace the medication and its schedule; reminders not yet sent are re-planned.
    Without `start_date` the schedule keeps its start."""
    patient = caller_patient(request)
    medication = caller_medication(patient, medication_id)
    fields = payload.model_dump()
    schedule_fields = fields.pop("schedule")
    current_start = current_schedule(medication, local_today(patient))["start_date"]
    schedule_fields["start_date"] = schedule_fields["start_date"] or current_start
    checked_plan(schedule_fields)
    return write(medication, fields, schedule_fields)


@router.patch("/medications/{medication_id}", response={200: MedicationOut, **_NOT_FOUND})
def update_medication(request: HttpRequest, medication_id: int,
                      payload: MedicationPatch) -> Any:
    """Change only the fields sent (the schedule's too); reminders are re-planned."""
    patient = caller_patient(request)
    medication = caller_medication(patient, medication_id)
    fields = payload.model_dump(exclude_unset=True)
    schedule_patch = fields.pop("schedule", None) or {}
    if payload.schedule is not None and payload.schedule.times is not None:
        # A dose time sent without an amount means the default amount, not "unset".
        schedule_patch["times"] = [entry.model_dump() for entry in payload.schedule.times]
    reject_nulls(fields)
    reject_nulls(schedule_patch, "schedule")
    schedule_fields = {**current_schedule(medication, local_today(patient)), **schedule_patch}
    checked_plan(schedule_fields)
    return write(medication, fields, schedule_fields)


@router.delete("/medications/{medication_id}", response={204: None, **_NOT_FOUND})
def remove_medication(request: HttpRequest, medication_id: int) -> Any:
    """Delete the medication with its schedule and its dose history."""
    delete_medication(caller_medication(caller_patient(request), medication_id))
    return Status(204, None)


@router.post("/medications/{medication_id}/pause",
             response={200: MedicationOut, **_NOT_FOUND})
def pause_medication(request: HttpRequest, medication_id: int) -> Any:
    """Stop reminders (including snoozed and re-alerting doses) until resumed."""
    medication = caller_medication(caller_patient(request), medication_id)
    set_paused(medication, True)
    return medication


@router.post("/medications/{medication_id}/resume",
             response={200: MedicationOut, **_NOT_FOUND})
def resume_medication(request: HttpRequest, medication_id: int) -> Any:
    medication = caller_medication(caller_patient(request), medication_id)
    set_paused(medication, False)
    return medication
