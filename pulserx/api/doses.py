"""Doses: the day's list, what the patient does with one, and how well they keep up."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router, Status
from ninja.errors import HttpError, ValidationError
from ninja.params.functions import Query
from pydantic import WithJsonSchema

from pulserx.accounts.care import patient_in_care
from pulserx.accounts.models import CareRole
from pulserx.api.auth import any_auth, caller, caller_patient
from pulserx.api.schemas import (
    AdherenceOut,
    BoundedDate,
    DoseOut,
    ErrorOut,
    Instant,
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
from pulserx.reminders.models import Dose, DoseStatus, RecordedVia
from pulserx.reminders.planning import doses_in
from pulserx.reminders.schedule import FIRST_DATE, LAST_DATE

router = Router(tags=["doses"], auth=any_auth)

MAX_LIST_DAYS = 92
# Doses per answer: a busy account's three months are listed a page at a time.
MAX_PAGE = 1000
_ACTION_ERRORS = {404: ErrorOut, 409: ErrorOut}


def require_own_dose(request: HttpRequest, dose_id: int) -> None:
    """404 unless the dose is the caller's (someone else's dose does not exist for them)."""
    if not Dose.objects.filter(pk=dose_id, patient=caller_patient(request)).exists():
        raise Http404


def require_givable_dose(request: HttpRequest, dose_id: int) -> None:
    """404 unless the caller may record the dose: theirs, or of a person they give to (a
    test reminder only ever the patient's own)."""
    dose = Dose.objects.filter(pk=dose_id).values("patient_id", "patient__user_id",
                                                  "medication_id").first()
    user = caller(request)
    if dose is None or patient_in_care(user, dose["patient_id"], CareRole.GIVES) is None \
            or (dose["medication_id"] is None and dose["patient__user_id"] != user.pk):
        raise Http404


def act(action: Callable[[], Dose]) -> Dose:
    try:
        return action()
    except DoseActionError as error:
        raise HttpError(409, str(error)) from None


@router.get("/doses", response=list[DoseOut])
def list_doses(
    request: HttpRequest,
    response: HttpResponse,
    start: Annotated[BoundedDate | None, Query(
        alias="from", description="First local day (= to when only to is given, else today).")
                     ] = None,
    to: Annotated[BoundedDate | None, Query(
        description=f"Last local day, inclusive (= from); from..to spans at most "
                    f"{MAX_LIST_DAYS} days.")] = None,
    status: Annotated[list[DoseStatus] | None, Query(description="Only these statuses.")
                      ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Doses per answer.")
                     ] = MAX_PAGE,
    after: Annotated[Instant | None, Query(
        description="Continue a listing: only doses due at or after this instant, less the "
                    "first `skip` due exactly then (the `Link: rel=next` header has both).")
                     ] = None,
    skip: Annotated[int, Query(ge=0, le=MAX_PAGE, description="See `after`.")] = 0,
) -> Any:
    """The patient's doses on local days `from`..`to` (the patient's clock), in due order,
    test reminders included (their `medication_id` is null), at most `limit` of them: when
    there are more, the `Link` header (`rel="next"`) gives the address of the rest. Doses
    planned but not yet prepared by the dispatcher (it does so minutes ahead) have `id: null`:
    they can be acted on once they have an id."""
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
    begin = day_start(first, zone)
    if after is not None and after > begin:
        begin = after
    else:
        skip = 0
    found = doses_in(patient, begin, day_start(last + timedelta(1), zone),
                     statuses=status or (), limit=skip + limit + 1)[skip:]
    if len(found) > limit:
        response["Link"] = f'<{next_page(request, found[:limit], after, skip)}>; rel="next"'
    return found[:limit]


def next_page(request: HttpRequest, page: list[Dose], after: datetime | None,
              skip: int) -> str:
    """The address that lists the doses after `page`: from the last one's instant, less those
    of that instant already listed (on this page, and before it if it began there too)."""
    last = page[-1].due_at
    listed = sum(1 for dose in page if dose.due_at == last) + (skip if after == last else 0)
    query = request.GET.copy()
    query["after"] = last.astimezone(UTC).isoformat().replace("+00:00", "Z")
    query["skip"] = str(listed)
    return f"{request.path}?{query.urlencode()}"


@router.post("/doses/{dose_id}/take", response={200: TakenOut, **_ACTION_ERRORS})
def take_dose(request: HttpRequest, dose_id: int) -> Any:
    """Record the dose taken, by the patient or a carer who gives (lowers the medication's
    stock, never below 0: `stock_was_empty` says when it had too little). 409 if someone
    recorded it first: `detail` says who and when ("Already given by Ana at 08:05.")."""
    require_givable_dose(request, dose_id)
    return act(lambda: record_dose(dose_id, DoseStatus.TAKEN, by=caller(request),
                                   via=RecordedVia.API))


@router.post("/doses/{dose_id}/skip", response={200: DoseOut, **_ACTION_ERRORS})
def skip_dose(request: HttpRequest, dose_id: int) -> Any:
    """Record the dose skipped, by the patient or a carer who gives. 409 if someone
    recorded it first (`detail` says who and when)."""
    require_givable_dose(request, dose_id)
    return act(lambda: record_dose(dose_id, DoseStatus.SKIPPED, by=caller(request),
                                   via=RecordedVia.API))


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
