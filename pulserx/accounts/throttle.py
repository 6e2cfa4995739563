"""Guessing passwords: django-axes counts failed sign-ins per client address and locks the
address out for a while; password resets and new API tokens are throttled with it.

A password-reset request counts as a failed attempt: it is how someone without the password
gets in, and it sends mail, so an address cannot use it to go on trying (or flood inboxes)
once it is locked out.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

LOCKED_MESSAGE = ("Too many failed sign-in attempts from your network: signing in is paused "
                  "for {minutes} minutes.")


def lockout_minutes(request: HttpRequest) -> int:
    cool_off = get_cool_off(request)
    return max(1, round(cool_off.total_seconds() / 60)) if cool_off else 0


def lockout_response(request: HttpRequest, original_response: HttpResponse | None = None,
                     credentials: dict[str, Any] | None = None) -> HttpResponse:
    """What a locked-out client sees: 429 with a page (or JSON for the API) saying why and
    for how long."""
    minutes = lockout_minutes(request)
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": LOCKED_MESSAGE.format(minutes=minutes)}, status=429)
    else:
        response = render(request, "accounts/locked_out.html", {"minutes": minutes},
                          status=429)
    response["Retry-After"] = str(minutes * 60)
    return response


def is_locked_out(request: HttpRequest) -> bool:
    return AxesProxyHandler.is_locked(request, {})


def count_attempt(request: HttpRequest, username: str) -> bool:
    """Count a password-reset request like a failed sign-in from this address; False when
    the address is (now) locked out and the request must not go ahead."""
    if is_locked_out(request):
        return False
    user_login_failed.send(sender=__name__, credentials={"username": username},
                           request=request)
    return not getattr(request, "axes_locked_out", False)
