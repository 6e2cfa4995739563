"""The JSON API (django-ninja): /api/v1/, documented at /api/v1/docs.

Every operation authenticates with a personal token (``Authorization: Bearer …``) or the
browser session (unsafe methods then need ``X-CSRFToken``), and every query is scoped to the
caller: another patient's ids answer 404, exactly like ids that do not exist.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Status
from ninja.errors import HttpError, ValidationError

from pulserx.accounts import throttle
from pulserx.api import as_needed, channels, doses, fhir, inbox, medications, record
from pulserx.api.auth import any_auth, caller, caller_patient, session_auth
from pulserx.api.contract import DocumentedAPI
from pulserx.api.docs import LocalSwagger
from pulserx.api.ical import calendar_url, reset_calendar_address
from pulserx.api.json_body import StrictJSONParser
from pulserx.api.models import ApiToken, TokenLimitError, TokenScope
from pulserx.api.schemas import (
    CalendarOut,
    ErrorOut,
    ProfileOut,
    TokenCreatedOut,
    TokenIn,
    TokenOut,
)
from pulserx.reminders.clock import patient_zone
from pulserx.reminders.schedule import TravelPolicy

api = DocumentedAPI(
    title="PulseRx API", version="1", auth=any_auth, urls_namespace="api", docs=LocalSwagger(),
    parser=StrictJSONParser(),
    description="Medications, schedules, doses, the inbox and adherence of the signed-in "
                "patient. Authenticate with a personal token (`Authorization: Bearer …`, "
                "created with `POST /tokens` from a signed-in browser) or the session.",
)
api.add_router("", medications.router)
api.add_router("", doses.router)
api.add_router("", as_needed.router)
api.add_router("", fhir.router)
api.add_router("", inbox.router)
api.add_router("", record.router)
api.add_router("", channels.router)


@api.get("/me", response=ProfileOut, tags=["profile"])
def me(request: HttpRequest) -> Any:
    """The patient's profile: clock, travel policy and how they are reminded."""
    patient = caller_patient(request)
    user = patient.user
    return ProfileOut(
        id=patient.pk, email=user.email, name=user.get_full_name(),
        timezone=patient.timezone, current_timezone=patient.current_timezone,
        travel_policy=TravelPolicy(patient.travel_policy), clock_timezone=patient_zone(patient).key,
        quiet_start=patient.quiet_start, quiet_end=patient.quiet_end,
        notify_email=patient.notify_email, notify_push=patient.notify_push,
        missed_after_minutes=patient.missed_after_minutes,
        realert_every_minutes=patient.realert_every_minutes,
        realert_limit=patient.realert_limit, calendar_url=calendar_url(patient, request),
    )


@api.post("/calendar/rotate", response=CalendarOut, tags=["profile"])
def rotate_calendar(request: HttpRequest) -> Any:
    """Give the iCal feed a new private address; the old one stops working at once."""
    return CalendarOut(calendar_url=reset_calendar_address(caller_patient(request), request))


@api.get("/tokens", response=list[TokenOut], tags=["tokens"])
def list_tokens(request: HttpRequest) -> Any:
    return ApiToken.objects.filter(user=caller(request))


@api.post("/tokens", response={201: TokenCreatedOut, 429: ErrorOut}, auth=session_auth,
          tags=["tokens"])
def create_token(request: HttpRequest, payload: TokenIn) -> Any:
    """Create a personal token, read-only unless `scope` says read-write. Only from a
    signed-in browser session (a token cannot mint tokens) of an account with a patient
    profile (a caregiver's access is through the pages, as on the Settings page); the token
    is in this response and nowhere else, ever. 429 past the limits (new tokens an hour,
    tokens per account) or while sign-in is locked for this client."""
    caller_patient(request)
    if throttle.is_locked_out(request):
        return throttle.lockout_response(request)
    try:
        row, token = ApiToken.issue(caller(request), payload.name.strip(), payload.expires_at,
                                    scope=payload.scope)
    except TokenLimitError as error:
        raise HttpError(429, str(error)) from None
    except ValueError as error:
        raise ValidationError([{"type": "value_error", "msg": str(error),
                                "loc": ["body", "payload", "expires_at"]}]) from None
    return Status(201, TokenCreatedOut(id=row.pk, name=row.name, hint=row.hint,
                                       created_at=row.created_at, last_used_at=None,
                                       expires_at=row.expires_at, scope=TokenScope(row.scope),
                                       token=token))


@api.delete("/tokens/{token_id}", response={204: None, 404: ErrorOut}, tags=["tokens"])
def revoke_token(request: HttpRequest, token_id: int) -> Any:
    """Revoke a token: requests carrying it are refused from now on."""
    get_object_or_404(ApiToken, pk=token_id, user=caller(request)).delete()
    return Status(204, None)
