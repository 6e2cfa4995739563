"""Guessing passwords: django-axes counts failed sign-ins per client address and per account,
and locks either out for a while once its count reaches the limit.

- Per address (the one the platform's proxy saw, `pulserx.clientaddress`): one network cannot
  go on guessing, whichever accounts it tries. Nobody can lock another network out, since the
  address is not the client's to choose.
- Per account: guesses spread over many addresses (a botnet) still stop at the limit. The
  account's lock ends after the lockout time, or at once when the owner sets a new password
  through the reset email (`release_account`): asking for that email is never refused because
  of the account's lock, only because of the asking address's.

A password-reset request counts as a failed attempt of its address (not of the account, whose
owner it is meant to let in): it sends mail, so an address cannot use it to go on trying (or
flood inboxes) once it is locked out. New API tokens wait while their address is locked.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off
from axes.models import AccessAttempt, AccessBase
from django.contrib.auth.signals import user_login_failed
from django.forms import Form
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from pulserx.clientaddress import client_address

LOCKED_MESSAGE = ("Too many failed sign-in attempts from your network or for this account: "
                  "signing in is paused for {minutes} minutes.")
ADDRESS_ONLY = ["ip_address"]
ADDRESS_AND_ACCOUNT = ["ip_address", "username"]


def account_name(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str | None:
    """The account a sign-in is for, as one key whatever its letter case (AXES_USERNAME_CALLABLE);
    None when the request names none."""
    name = credentials.get("username") if credentials else request.POST.get("username")
    if not isinstance(name, str) or not name.strip():
        return None
    return name.strip().lower()[:254]


def lockout_parameters(request_or_attempt: HttpRequest | AccessBase,
                       credentials: dict[str, Any] | None = None) -> list[str]:
    """Count per address and per account (AXES_LOCKOUT_PARAMETERS): a sign-in is refused when
    either has reached the limit. What names no account (a reset request, a new token) is
    counted and checked by its address only."""
    if isinstance(request_or_attempt, AccessBase):
        name = request_or_attempt.username
    else:
        name = account_name(request_or_attempt, credentials)
    return ADDRESS_AND_ACCOUNT if name else ADDRESS_ONLY


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


def count_attempt(request: HttpRequest) -> bool:
    """Count a password-reset request like a failed sign-in from this address; False when
    the address is (now) locked out and the request must not go ahead."""
    if is_locked_out(request):
        return False
    user_login_failed.send(sender=__name__, credentials={"username": None}, request=request)
    return not getattr(request, "axes_locked_out", False)


def is_account_locked_out(request: HttpRequest, email: str) -> bool:
    return AxesProxyHandler.is_locked(request, {"username": email})


def count_wrong_password(request: HttpRequest, email: str) -> bool:
    """Count a wrong password typed to confirm an action (deleting the account) like a failed
    sign-in of that account from this address; False once either is (now) locked out."""
    user_login_failed.send(sender=__name__, credentials={"username": email}, request=request)
    return not getattr(request, "axes_locked_out", False)


def password_again(request: HttpRequest, form: Form, email: str) -> HttpResponse | bool:
    """A POSTed form that asks for the account's password again before an action (deleting
    the account, turning two-step sign-in off, adding or removing a passkey): True when it
    may go ahead, False to show the form's errors, or the lockout page. The password guards
    against a session left open, so a wrong one counts like a failed sign-in."""
    if is_account_locked_out(request, email):
        return lockout_response(request)
    if form.is_valid():
        return True
    if "password" in form.errors and not count_wrong_password(request, email):
        return lockout_response(request)
    return False


def forget_own_failures(sender: object, request: HttpRequest | None, user: Any,
                        **kwargs: Any) -> None:
    """On signing in, forget the failures of this account from this address (the owner's own
    typos), and no others: a sign-in to one's own account must not wipe the count of guesses
    made at other accounts, nor another address's guesses at this one."""
    if request is None or not request.META.get("REMOTE_ADDR"):
        return
    AccessAttempt.objects.filter(ip_address=client_address(request),
                                 username=user.get_username().strip().lower()).delete()


def release_account(email: str) -> None:
    """End an account's lock: its owner proved they read its email (a password reset)."""
    AccessAttempt.objects.filter(username=email.strip().lower()).delete()
