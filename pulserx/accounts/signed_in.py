"""Settings → Signed-in sessions: the browsers signed in to an account, and signing the others
out.

A `SignedInSession` row is written when a browser signs in, with the address it signed in
from; its `last_seen` and the address it was last seen from are refreshed by `note_last_seen`
at most once per `SEEN_EVERY` per session (one UPDATE), and it is removed when the browser
signs out. Addresses are read by `pulserx.clientaddress` (the one the platform's proxy saw)
and never logged. "Sign out everywhere else" deletes the other sessions (their Session rows,
so their next request is signed out) and closes their live sockets, as signing out does.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.sessions.models import Session
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from pulserx.accounts.models import SignedInSession, User
from pulserx.accounts.places import place_of
from pulserx.clientaddress import client_address

SEEN_EVERY = timedelta(minutes=5)
SEEN_KEY = "_pulserx_seen"  # [session key, epoch seconds] of the last refresh
USER_AGENT_LENGTH = 300

# (pattern, name) in the order they are tried: many browsers also say "Chrome" and "Safari".
BROWSERS: list[tuple[str, str]] = [
    (r"Edg(e|A|iOS)?/", "Edge"),
    (r"OPR/|Opera", "Opera"),
    (r"SamsungBrowser/", "Samsung Internet"),
    (r"Firefox/|FxiOS/", "Firefox"),
    (r"Chrome/|CriOS/|Chromium/", "Chrome"),
    (r"Version/[\d.]+.*Safari/", "Safari"),
]
SYSTEMS: list[tuple[str, str]] = [
    (r"Android", "Android"),
    (r"iPad", "iPadOS"),
    (r"iPhone|iPod", "iOS"),
    (r"Windows", "Windows"),
    (r"CrOS", "ChromeOS"),
    (r"Mac OS X|Macintosh", "macOS"),
    (r"Linux", "Linux"),
]


def first_match(patterns: list[tuple[str, str]], user_agent: str) -> str | None:
    return next((name for pattern, name in patterns if re.search(pattern, user_agent)), None)


def device_name(user_agent: str) -> str:
    """A browser's User-Agent in plain words: "Chrome on Android", "Safari on iOS"."""
    browser, system = first_match(BROWSERS, user_agent), first_match(SYSTEMS, user_agent)
    if browser and system:
        # Translators: a signed-in device: a browser and an operating system ("Chrome on
        # Android"). Both names stay as they are.
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    if system:
        # Translators: %(system)s is an operating system ("Android", "Windows").
        return _("A browser on %(system)s") % {"system": system}
    if browser:
        # Translators: %(browser)s is a web browser ("Firefox").
        return _("%(browser)s on an unknown system") % {"browser": browser}
    return _("An unknown browser")


def user_agent_of(request: HttpRequest) -> str:
    return str(request.META.get("HTTP_USER_AGENT", ""))[:USER_AGENT_LENGTH]


def record_sign_in(sender: object, request: HttpRequest | None, user: Any,
                   **kwargs: Any) -> None:
    """On `user_logged_in`: this browser's session is one of the account's."""
    key = request.session.session_key if request is not None else None
    if not key or request is None:
        return
    now, address = timezone.now(), client_address(request)
    SignedInSession.objects.update_or_create(session_key=key, defaults={
        "user": user, "user_agent": user_agent_of(request), "last_seen": now,
        "signed_in_from": address, "last_seen_from": address})
    request.session[SEEN_KEY] = [key, int(time.time())]


def forget_sign_out(sender: object, request: HttpRequest | None, user: Any,
                    **kwargs: Any) -> None:
    """On `user_logged_out` (sent before the session is flushed)."""
    key = request.session.session_key if request is not None else None
    if key:
        SignedInSession.objects.filter(session_key=key).delete()


def note_last_seen(get_response: Callable[[HttpRequest], HttpResponse]
                   ) -> Callable[[HttpRequest], HttpResponse]:
    """Middleware: refresh a signed-in session's `last_seen` and the address it was seen from
    at most once per `SEEN_EVERY` (the time of the last refresh rides in the session). A
    session signed in before rows were kept, or whose key changed (a password change), gets its
    row here, without a sign-in address: where it signed in is not known."""

    def middleware(request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        key = request.session.session_key if hasattr(request, "session") else None
        if user is not None and user.is_authenticated and key:
            seen = request.session.get(SEEN_KEY)
            now = int(time.time())
            fresh = (isinstance(seen, list) and len(seen) == 2 and seen[0] == key
                     and now - int(seen[1]) < SEEN_EVERY.total_seconds())
            if not fresh:
                moment, address = timezone.now(), client_address(request)
                updated = SignedInSession.objects.filter(
                    session_key=key, user_id=user.pk).update(last_seen=moment,
                                                             last_seen_from=address)
                if not updated:
                    SignedInSession.objects.update_or_create(session_key=key, defaults={
                        "user_id": user.pk, "user_agent": user_agent_of(request),
                        "last_seen": moment, "last_seen_from": address})
                request.session[SEEN_KEY] = [key, now]
        return get_response(request)

    return middleware


def forget_on_password_change(sender: object, user: User, **kwargs: Any) -> None:
    """A new password signs every other browser out (Django's session hash): their rows go.
    The browser that changed it gets a row again on its next request (its key changed)."""
    SignedInSession.objects.filter(user_id=user.pk).delete()


@dataclass(frozen=True)
class NetworkAddress:
    """An address a session was seen from, and where it is when the operator set up a location
    database (`pulserx.accounts.places`)."""

    address: str
    place: str | None

    @classmethod
    def of(cls, address: str | None) -> NetworkAddress | None:
        return cls(address, place_of(address)) if address else None


@dataclass(frozen=True)
class ListedSession:
    """One line of Settings → Signed-in sessions. `last_seen_from` is None when it is the
    address the session signed in from (the list shows it once)."""

    device: str
    created_at: datetime
    last_seen: datetime
    current: bool
    signed_in_from: NetworkAddress | None
    last_seen_from: NetworkAddress | None

    @classmethod
    def of(cls, row: SignedInSession, current: bool) -> ListedSession:
        moved = row.last_seen_from != row.signed_in_from
        return cls(device=device_name(row.user_agent), created_at=row.created_at,
                   last_seen=row.last_seen, current=current,
                   signed_in_from=NetworkAddress.of(row.signed_in_from),
                   last_seen_from=NetworkAddress.of(row.last_seen_from) if moved else None)


def sessions_of(request: HttpRequest) -> list[ListedSession]:
    """The account's signed-in sessions that still exist, most recently seen first."""
    assert isinstance(request.user, User)
    rows = list(SignedInSession.objects.filter(user=request.user).order_by("-last_seen", "-pk"))
    live = set(Session.objects.filter(session_key__in=[row.session_key for row in rows],
                                      expire_date__gt=timezone.now())
               .values_list("session_key", flat=True))
    current = request.session.session_key
    return [ListedSession.of(row, current=row.session_key == current)
            for row in rows if row.session_key in live or row.session_key == current]


def end_sessions(keys: list[str]) -> None:
    """Sign these sessions out: their Session rows go (their next request is signed out), and
    their open WebSockets close, as at sign-out."""
    from pulserx.live import session_group
    from pulserx.notifications.sessions import close_sockets

    if not keys:
        return
    Session.objects.filter(session_key__in=keys).delete()
    SignedInSession.objects.filter(session_key__in=keys).delete()
    close_sockets([session_group(key) for key in keys])


def forget_ended_sessions(now: datetime) -> int:
    """The hourly purge's part: sessions past their expiry (every browser that ever asked for
    a passkey challenge or signed in leaves one), and the signed-in rows whose session is gone,
    with the addresses they were seen from. A row written by a sign-in whose session is not yet
    saved is a minute old at most, so rows seen in the last hour stay."""
    Session.objects.filter(expire_date__lte=now).delete()
    ended, _ = (SignedInSession.objects.filter(last_seen__lt=now - timedelta(hours=1))
                .exclude(session_key__in=Session.objects.values("session_key")).delete())
    return ended


@login_required
@require_POST
def sign_out_elsewhere(request: HttpRequest) -> HttpResponse:
    """Settings → Signed-in sessions → Sign out everywhere else."""
    assert isinstance(request.user, User)
    current = request.session.session_key or ""
    keys = list(SignedInSession.objects.filter(user=request.user)
                .exclude(session_key=current).values_list("session_key", flat=True))
    end_sessions(keys)
    if not keys:
        messages.success(request, _("No other session was signed in."))
        return redirect(reverse("account_settings") + "#sessions")
    messages.success(request, ngettext("Signed out of %(count)d other session.",
                                       "Signed out of %(count)d other sessions.",
                                       len(keys)) % {"count": len(keys)})
    return redirect(reverse("account_settings") + "#sessions")
