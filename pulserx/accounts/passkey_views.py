"""Passkey pages: signing in with one (no password), using one instead of the two-step code,
and Settings → Passkeys (add, remove). The ceremonies themselves are in `passkeys`.

The browser asks for options (`…/options/`, JSON, a new challenge), lets the device answer,
and posts the answer in an ordinary form: a refusal comes back as a message on the page it
started from. A refused sign-in counts as a failed one in django-axes, against the account
when the passkey (or the half-signed-in user) names one, else against the address only.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from pulserx.accounts import signed_in, throttle, two_factor
from pulserx.accounts.forms import DeleteAccountForm
from pulserx.accounts.models import Passkey, User
from pulserx.accounts.passkeys import (
    Ceremony,
    PasskeyRefused,
    authenticate,
    authentication_options,
    register,
    registration_options,
)
from pulserx.accounts.views import safe_next

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
JSON = "application/json"


class AddPasskeyForm(DeleteAccountForm):
    """Settings → Add a passkey: its name, and the password (a passkey is a way in: a session
    left open must not be enough to add one)."""

    name = forms.CharField(
        label=gettext_lazy("Name of the passkey"), max_length=64, strip=True,
        help_text=gettext_lazy("So you can tell your passkeys apart, such as “My phone” or "
                               "“Work laptop”."))
    field_order = ["name", "password"]


def refuse(request: HttpRequest, refused: PasskeyRefused, account: str | None,
           back: str) -> HttpResponse:
    """Count the failed sign-in (against `account` when known) and go back with the reason."""
    counted = (throttle.count_wrong_password(request, account) if account
               else throttle.count_attempt(request))
    if not counted:
        return throttle.lockout_response(request)
    messages.error(request, str(refused))
    return redirect(back)


def options_response(options_json: str) -> HttpResponse:
    return HttpResponse(options_json, content_type=JSON)


# --- signing in with a passkey ----------------------------------------------------------------

@require_POST
def sign_in_options(request: HttpRequest) -> HttpResponse:
    return options_response(authentication_options(request, Ceremony.SIGN_IN))


@require_POST
def sign_in_with_passkey(request: HttpRequest) -> HttpResponse:
    """A passkey with the user verified is a whole sign-in: no password, no code."""
    next_url = safe_next(request)
    back = reverse("login") + (f"?{urlencode({'next': next_url})}" if next_url else "")
    if throttle.is_locked_out(request):
        return throttle.lockout_response(request)
    try:
        passkey = authenticate(request, Ceremony.SIGN_IN, request.POST.get("credential", ""))
    except PasskeyRefused as refused:
        return refuse(request, refused, refused.passkey.user.email if refused.passkey else None,
                      back)
    if throttle.is_account_locked_out(request, passkey.user.email):
        return throttle.lockout_response(request)
    return two_factor.complete_sign_in(request, passkey.user, backend=MODEL_BACKEND,
                                       next_url=next_url)


# --- instead of the two-step code -------------------------------------------------------------

def expired_second_step(request: HttpRequest) -> HttpResponse:
    messages.warning(request, _("Sign in again: the time to type the code ran out."))
    return redirect("login")


@require_POST
def second_step_options(request: HttpRequest) -> HttpResponse:
    pending = two_factor.pending_sign_in(request)
    if pending is None:
        return JsonResponse({"error": _("Sign in again: the time to type the code ran out.")},
                            status=400)
    return options_response(authentication_options(request, Ceremony.SECOND_STEP,
                                                   user=pending["user"]))


@require_POST
def second_step_with_passkey(request: HttpRequest) -> HttpResponse:
    pending = two_factor.pending_sign_in(request)
    if pending is None:
        return expired_second_step(request)
    user: User = pending["user"]
    if throttle.is_account_locked_out(request, user.email):
        return throttle.lockout_response(request)
    try:
        authenticate(request, Ceremony.SECOND_STEP, request.POST.get("credential", ""),
                     user=user)
    except PasskeyRefused as refused:
        return refuse(request, refused, user.email, reverse("sign_in_code"))
    return two_factor.complete_sign_in(request, user, backend=pending["backend"],
                                       next_url=pending.get("next") or "")


# --- Settings → Passkeys ----------------------------------------------------------------------

@login_required
def add_passkey(request: HttpRequest) -> HttpResponse:
    """Name the passkey and give the password; then the page asks the device to make it."""
    assert isinstance(request.user, User)
    user = request.user
    form = AddPasskeyForm(request.POST or None, user=user, initial={
        "name": signed_in.device_name(signed_in.user_agent_of(request))})
    context: dict[str, Any] = {"form": form}
    if request.method == "POST":
        checked = throttle.password_again(request, form, user.email)
        if isinstance(checked, HttpResponse):
            return checked
        if checked:
            context["options"] = json.loads(
                registration_options(request, user, form.cleaned_data["name"]))
            context["name"] = form.cleaned_data["name"]
    return render(request, "accounts/passkey_add.html", context)


@login_required
@require_POST
def finish_adding_passkey(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    try:
        passkey = register(request, request.user, request.POST.get("credential", ""))
    except PasskeyRefused as refused:
        messages.error(request, str(refused))
        return redirect("add_passkey")
    messages.success(request, _("Passkey “%(name)s” added. You can sign in with it, without "
                                "your password.") % {"name": passkey.name})
    return redirect(reverse("account_settings") + "#passkeys")


@login_required
def remove_passkey(request: HttpRequest, passkey_id: int) -> HttpResponse:
    """Remove a passkey: the password again, as for turning two-step sign-in off."""
    assert isinstance(request.user, User)
    user = request.user
    passkey = get_object_or_404(Passkey, pk=passkey_id, user=user)
    form = DeleteAccountForm(request.POST or None, user=user)
    if request.method == "POST":
        checked = throttle.password_again(request, form, user.email)
        if isinstance(checked, HttpResponse):
            return checked
        if checked:
            passkey.delete()
            messages.success(request, _("Passkey “%(name)s” removed: it no longer signs in.")
                             % {"name": passkey.name})
            return redirect(reverse("account_settings") + "#passkeys")
    return render(request, "accounts/passkey_remove.html", {"form": form, "passkey": passkey})
