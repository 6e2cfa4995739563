"""Who is calling the API: a signed-in browser session (with CSRF) or a personal token."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import HttpError
from ninja.security import HttpBearer
from ninja.security.session import SessionAuth

from pulserx.accounts.models import Patient, User
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


class PersonalToken(HttpBearer):
    """``Authorization: Bearer prx_…``: a token issued by ``POST /api/v1/tokens``."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        row = (ApiToken.live().select_related("user")
               .filter(digest=token_digest(token), user__is_active=True).first())
        if row is None:
            return None
        now = timezone.now()
        if row.last_used_at is None or now - row.last_used_at > LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        return row.user


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
