"""Recording an as-needed dose: `POST /medications/{id}/doses`, limits enforced."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Path, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import StrictBool

from pulserx.accounts.care import patient_in_care
from pulserx.accounts.models import CareRole
from pulserx.api.auth import any_auth, caller
from pulserx.api.schemas import Amount, DoseOut, ErrorOut, Instant
from pulserx.reminders.actions import DoseActionError
from pulserx.reminders.as_needed import LimitExceeded, record_as_needed
from pulserx.reminders.models import RecordedVia, Schedule

router = Router(tags=["doses"], auth=any_auth)
# What a database id column can hold: a larger id is refused before it reaches a query.
MedicationId = Annotated[int, Path(ge=1, le=2**63 - 1)]


class AsNeededIn(Schema):
    taken_at: Instant | None = Field(default=None, description="When it was taken; now.")
    amount: Amount | None = Field(default=None, description="Default: the schedule's amount.")
    override: StrictBool = Field(default=False, description="Record it even if it breaks a limit.")


class LimitOut(Schema):
    detail: str = Field(description="Which limit the dose breaks and when the next is allowed.")
    next_allowed: datetime | None


class RecordedOut(DoseOut):
    limit_override: bool
    limit_note: str


@router.post("/medications/{medication_id}/doses",
             response={201: RecordedOut, 404: ErrorOut, 409: LimitOut, 422: ErrorOut})
def record_dose_taken(request: HttpRequest, medication_id: MedicationId,
                      payload: AsNeededIn) -> Any:
    """Record a dose of an as-needed medication taken at `taken_at` (default now): it lowers
    the stock and shows in the history. A dose that breaks a limit (maximum per period,
    minimum gap, or a limit shared with other medications) answers 409 saying why and when
    the next dose is allowed, unless `override` is true: then it is recorded with
    `limit_override` set."""
    schedule = get_object_or_404(Schedule.objects.select_related("patient", "medication"),
                                 medication_id=medication_id)
    if patient_in_care(caller(request), schedule.patient_id, CareRole.GIVES) is None:
        raise Http404
    try:
        dose = record_as_needed(schedule, caller(request), payload.taken_at,
                                override=payload.override, amount=payload.amount,
                                via=RecordedVia.API)
    except LimitExceeded as refused:
        return Status(409, LimitOut(detail=refused.explanation,
                                    next_allowed=refused.next_allowed))
    except DoseActionError as error:
        raise HttpError(422, str(error)) from None
    return Status(201, dose)
