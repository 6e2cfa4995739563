"""Who is calling the API: a signed-in browser session (with CSRF) or a personal token."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import HttpError
from ninja.security import HttpBearer
from ninja.security.session import SessionAuth

from pulserx.accounts.access_log import hour_of, record_read
from pulserx.accounts.models import AccessKind, Patient, User, patient_of
from pulserx.api.models import ApiToken, token_digest

# Recording every use would turn each read into a write; a minute's precision is plenty.
LAST_USED_PRECISION = timedelta(minutes=1)


class BrowserSession(SessionAuth):
    """Django's session cookie. Unsafe methods need the CSRF token (``X-CSRFToken``), which
    ninja checks inside the auth class because its views are exempt from the middleware.

    An anonymous request is turned away before the CSRF check, so it gets 401 (sign in)
    rather than 403 (CSRF) — the CSRF check only matters once a session carries authority.
    """

    def __call__(self, request: HttpRequest) -> Any:
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LEAVING_MESSAGE = ("This account is waiting to be deleted, so its tokens do not work. Signing "
                   "in to PulseRx cancels the deletion, and the tokens work again.")
READ_ONLY_MESSAGE = ("This token may only read: recording doses, changing medications or "
                     "settings, importing and revoking tokens need a read-write token.")


class PersonalToken(HttpBearer):
    """``Authorization: Bearer prx_…``: a token issued by ``POST /api/v1/tokens``. A read
    token is refused (403) on every operation that is not a read."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        row = (ApiToken.live().select_related("user")
               .filter(digest=token_digest(token), user__is_active=True).first())
        if row is None:
            return None
        if row.user.delete_after is not None:
            raise HttpError(403, LEAVING_MESSAGE)
        if not row.may_write and request.method not in READ_METHODS:
            raise HttpError(403, READ_ONLY_MESSAGE)
        now = timezone.now()
        if row.last_used_at is None or now - row.last_used_at > LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        if request.method in READ_METHODS and first_use_in(row.last_used_at, now):
            patient = patient_of(row.user)
            if patient is not None:
                record_read(row.user, patient, AccessKind.API, token_name=row.name, now=now)
        return row.user


def first_use_in(last_used_at: datetime | None, now: datetime) -> bool:
    """Whether a token's read at `now` may be its first of the hour, or first in a
    minute: only then is it written to the access log (a script polling every second
    writes at most one row an hour, and tries at most once a minute)."""
    return (last_used_at is None or now - last_used_at > LAST_USED_PRECISION
            or hour_of(last_used_at) != hour_of(now))


session_auth = BrowserSession()
token_auth = PersonalToken()
# The token first: a request that carries one is a script, and needs no CSRF token.
any_auth = [token_auth, session_auth]


def caller(request: HttpRequest) -> User:
    """The authenticated user of an API request."""
    user = request.auth  # type: ignore[attr-defined]
    assert isinstance(user, User)
    return user


def caller_patient(request: HttpRequest) -> Patient:
    """The patient profile every query is scoped to. A caregiver-only account has none."""
    try:
        return caller(request).patient
    except Patient.DoesNotExist:
        raise HttpError(403, "This account has no patient profile.") from None
