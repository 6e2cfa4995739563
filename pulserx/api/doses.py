"""Doses: the day's list, what the patient does with one, and how well they keep up."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Router, Status
from ninja.errors import HttpError, ValidationError
from ninja.params.functions import Query
from pydantic import WithJsonSchema

from pulserx.api.auth import any_auth, caller, caller_patient
from pulserx.api.schemas import (
    AdherenceOut,
    BoundedDate,
    DoseOut,
    ErrorOut,
    MedicationTally,
    SnoozeIn,
    TakenOut,
)
from pulserx.reminders.actions import (
    DoseActionError,
    record_dose,
    send_test_reminder,
    snooze_dose,
)
from pulserx.reminders.adherence import WINDOWS, Tally, adherence
from pulserx.reminders.clock import day_start, local_today, patient_zone
from pulserx.reminders.models import Dose, DoseStatus
from pulserx.reminders.planning import doses_in
from pulserx.reminders.schedule import FIRST_DATE, LAST_DATE

router = Router(tags=["doses"], auth=any_auth)

MAX_LIST_DAYS = 92
_ACTION_ERRORS = {404: ErrorOut, 409: ErrorOut}


def require_own_dose(request: HttpRequest, dose_id: int) -> None:
    """404 unless the dose is the caller's (someone else's dose does not exist for them)."""
    if not Dose.objects.filter(pk=dose_id, patient=caller_patient(request)).exists():
        raise Http404


def act(action: Callable[[], Dose]) -> Dose:
    try:
        return action()
    except DoseActionError as error:
        raise HttpError(409, str(error)) from None


@router.get("/doses", response=list[DoseOut])
def list_doses(
    request: HttpRequest,
    start: Annotated[BoundedDate | None, Query(
        alias="from", description="First local day (= to when only to is given, else today).")
                     ] = None,
    to: Annotated[BoundedDate | None, Query(
        description=f"Last local day, inclusive (= from); from..to spans at most "
                    f"{MAX_LIST_DAYS} days.")] = None,
    status: Annotated[list[DoseStatus] | None, Query(description="Only these statuses.")
                      ] = None,
) -> Any:
    """The patient's doses on local days `from`..`to` (the patient's clock), in due order,
    test reminders included (their `medication_id` is null). Doses planned but not yet
    prepared by the dispatcher (it does so minutes ahead) have `id: null`: they can be acted
    on once they have an id."""
    patient = caller_patient(request)
    first = start or (to if to is not None else local_today(patient))
    last = to or first
    for name, day in (("from", first), ("to", last)):
        if not FIRST_DATE <= day <= LAST_DATE:
            raise ValidationError([{"type": "value_error", "loc": ["query", name],
                                    "msg": f"must be within {FIRST_DATE}..{LAST_DATE}"}])
    if last < first or (last - first).days >= MAX_LIST_DAYS:
        raise ValidationError([{"type": "value_error", "loc": ["query", "to"],
                                "msg": f"must be within {MAX_LIST_DAYS} days on or after from"}])
    zone = patient_zone(patient)
    return doses_in(patient, day_start(first, zone), day_start(last + timedelta(1), zone),
                    statuses=status or ())


@router.post("/doses/{dose_id}/take", response={200: TakenOut, **_ACTION_ERRORS})
def take_dose(request: HttpRequest, dose_id: int) -> Any:
    """Record the dose taken (lowers the medication's stock, never below 0:
    `stock_was_empty` says when it had too little). 409 if already recorded."""
    require_own_dose(request, dose_id)
    return act(lambda: record_dose(dose_id, DoseStatus.TAKEN, by=caller(request)))


@router.post("/doses/{dose_id}/skip", response={200: DoseOut, **_ACTION_ERRORS})
def skip_dose(request: HttpRequest, dose_id: int) -> Any:
    """Record the dose skipped. 409 if already recorded."""
    require_own_dose(request, dose_id)
    return act(lambda: record_dose(dose_id, DoseStatus.SKIPPED, by=caller(request)))


@router.post("/doses/{dose_id}/snooze", response={200: DoseOut, **_ACTION_ERRORS})
def snooze(request: HttpRequest, dose_id: int, payload: SnoozeIn) -> Any:
    """Remind again in 10, 30 or 60 minutes. 409 unless the dose is due (notified)."""
    require_own_dose(request, dose_id)
    return act(lambda: snooze_dose(dose_id, payload.minutes))


@router.post("/test-reminder", response={201: DoseOut})
def test_reminder(request: HttpRequest) -> Any:
    """Send a reminder in a few seconds on every channel the patient chose."""
    return Status(201, send_test_reminder(caller_patient(request)))


@router.get("/adherence", response=AdherenceOut)
def get_adherence(request: HttpRequest,
                  days: Annotated[int, Query(description="7 or 30"),
                                  WithJsonSchema({"type": "integer", "enum": list(WINDOWS)})
                                  ] = 7) -> Any:
    """Taken, skipped and missed doses due in the last `days` days (as on the Today page)
    and the rate taken / (taken + skipped + missed); null before any dose is recorded.
    Open doses are counted as `pending`; test reminders are left out."""
    if days not in WINDOWS:
        raise ValidationError([{"type": "value_error", "loc": ["query", "days"],
                                "msg": "must be 7 or 30"}])
    result = adherence(caller_patient(request), timezone.now(), days)
    return AdherenceOut(
        days=days, since=result.since, pending=result.pending, **rated(result),
        medications=[MedicationTally(medication_id=m.medication_id, name=m.name, **rated(m))
                     for m in result.medications])


def rated(tally: Tally) -> dict[str, Any]:
    rate = tally.rate
    return {"taken": tally.taken, "skipped": tally.skipped, "missed": tally.missed,
            "rate": None if rate is None else round(rate, 4)}
