"""Two-step sign-in (django-otp): a code from an authenticator app, or a one-time recovery code,
after the password.

- Turning it on (Settings → Two-step sign-in) shows a new secret as a QR code and as text; the
  device is confirmed only once a current code from it is typed. Ten recovery codes (a static
  device) are shown once, then. Turning it off asks for the password.
- Signing in: once the password is right, a user with a confirmed device is not signed in yet.
  The session keeps a signed, short-lived note of who is half-way (`PENDING_KEY`, good for
  `PENDING_FOR`) and the browser goes to the code page. A right code signs in; a wrong one
  counts as a failed sign-in of the account in django-axes (`throttle.count_wrong_password`),
  so passwords and codes share one lockout and a stolen password cannot try every code. A
  recovery code works once. A passkey of the account may stand in for the code
  (`passkey_views.second_step_with_passkey`); new recovery codes (the password again) replace
  the old ones.
- API tokens are not affected, and a password reset by email leaves the second step on.
"""

from __future__ import annotations

import base64
import re
from datetime import timedelta
from typing import Any

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from pulserx.accounts import throttle
from pulserx.accounts.care import home_url
from pulserx.accounts.forms import DeleteAccountForm
from pulserx.accounts.models import User

PENDING_KEY = "pulserx_two_step"
PENDING_SALT = "pulserx.accounts.two_factor.pending"
PENDING_FOR = timedelta(minutes=5)
RECOVERY_CODES = 10
APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"


class CodeForm(forms.Form):
    """A six-digit code from the app, or a recovery code."""

    code = forms.CharField(
        label=gettext_lazy("Code"), max_length=32, strip=True,
        help_text=gettext_lazy("The 6-digit code your authenticator app shows now, or one of "
                               "your recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True,
                                      "autocapitalize": "none", "spellcheck": "false"}))

    def clean_code(self) -> str:
        return re.sub(r"[\s-]", "", self.cleaned_data["code"]).lower()


class ConfirmAppForm(CodeForm):
    code = forms.CharField(
        label=gettext_lazy("Code from the app"), max_length=32, strip=True,
        help_text=gettext_lazy("The 6-digit code the app shows for PulseRx now."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                      "autocapitalize": "none", "spellcheck": "false"}))


# --- signing in -------------------------------------------------------------------------------

def has_second_step(user: User) -> bool:
    return bool(user_has_device(user, confirmed=True))


def complete_sign_in(request: HttpRequest, user: User, *, backend: str | None, next_url: str,
                     device: Device | None = None) -> HttpResponse:
    """Sign `user` in and go on: the one way every sign-in ends (a password without a second
    step, a code, a passkey). Django's `user_logged_in` does the rest: the session's row in
    Settings → Signed-in sessions, the browser's language clock, the account's own failures
    forgotten, a pending deletion cancelled."""
    request.session.pop(PENDING_KEY, None)
    login(request, user, backend=backend)
    if device is not None:
        otp_login(request, device)
    return redirect(next_url or home_url(user))


def ask_for_code(request: HttpRequest, user: User, next_url: str) -> HttpResponse:
    """The password was right: remember who is half-way, for a few minutes, and ask for the
    code. Nobody is signed in yet."""
    request.session[PENDING_KEY] = signing.dumps(
        {"user": user.pk, "backend": getattr(user, "backend", settings.AUTHENTICATION_BACKENDS[-1]),
         "next": next_url}, salt=PENDING_SALT)
    return redirect("sign_in_code")


def signed_note(request: HttpRequest, key: str, salt: str,
                max_age: timedelta) -> dict[str, Any] | None:
    """A signed, short-lived note this browser's session keeps under `key` (someone half-way
    through signing in); None, and the note forgotten, once expired or altered."""
    value = request.session.get(key)
    if not isinstance(value, str):
        return None
    try:
        note: dict[str, Any] = signing.loads(value, salt=salt, max_age=max_age)
    except signing.BadSignature:  # SignatureExpired is one too
        request.session.pop(key, None)
        return None
    return note


def pending_sign_in(request: HttpRequest) -> dict[str, Any] | None:
    """Who passed the password step in this browser in the last few minutes, if anyone."""
    pending = signed_note(request, PENDING_KEY, PENDING_SALT, PENDING_FOR)
    if pending is None:
        return None
    user_id = pending.get("user")
    if not isinstance(user_id, int):
        return None
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return None
    pending["user"] = user
    return pending


def sign_in_code(request: HttpRequest) -> HttpResponse:
    """The second step of signing in."""
    started = PENDING_KEY in request.session
    pending = pending_sign_in(request)
    if pending is None:
        if started:
            messages.warning(request, _("Sign in again: the time to type the code ran out."))
        return redirect("login")
    user: User = pending["user"]
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        if throttle.is_account_locked_out(request, user.email):
            return throttle.lockout_response(request)
        if form.is_valid():
            device = match_token(user, form.cleaned_data["code"])
            if device is not None:
                if isinstance(device, StaticDevice):
                    left = device.token_set.count()
                    messages.warning(request, _(
                        "You used a recovery code; each works once. Codes left: %(count)s.")
                        % {"count": left})
                return complete_sign_in(request, user, backend=pending["backend"],
                                        next_url=pending.get("next") or "", device=device)
            # A wrong code counts as a failed sign-in of the account, as a wrong password does.
            if not throttle.count_wrong_password(request, user.email):
                return throttle.lockout_response(request)
            form.add_error("code", _("That code is not right. Check the app and try again."))
    return render(request, "accounts/sign_in_code.html", {
        "form": form, "has_passkeys": user.passkeys.exists()})


# --- Settings ---------------------------------------------------------------------------------

def settings_context(user: User) -> dict[str, Any]:
    """What Settings → Two-step sign-in shows."""
    on = has_second_step(user)
    codes_left = StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
    return {"two_step_on": on, "recovery_codes_left": codes_left if on else None}


def qr_code(uri: str) -> SafeString:
    svg = segno.make(uri, error="m").svg_inline(
        scale=4, border=2, svgclass="qr-code", lineclass="qr-line", omitsize=True,
        dark="#000", light="#fff")
    label = escape(_("QR code to scan with your authenticator app"))
    # segno's own markup, and a label escaped here.
    return mark_safe(svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1))


def secret_text(device: TOTPDevice) -> str:
    """The secret as the apps ask for it when typed in: base32, in groups of four."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@login_required
def two_step_on(request: HttpRequest) -> HttpResponse:
    """Turn two-step sign-in on: scan, type a current code, keep the recovery codes."""
    assert isinstance(request.user, User)
    user = request.user
    if has_second_step(user):
        return redirect(reverse("account_settings") + "#two-step")
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    form = ConfirmAppForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            with transaction.atomic():
                TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                codes = new_recovery_codes(user)
            otp_login(request, device)
            return render(request, "accounts/two_step_codes.html", {"codes": codes})
        form.add_error("code", _("That code is not right. Check that the app shows PulseRx and "
                                 "type the code it shows now."))
    return render(request, "accounts/two_step_on.html", {
        "form": form, "qr_svg": qr_code(device.config_url), "secret": secret_text(device)})


@login_required
def two_step_off(request: HttpRequest) -> HttpResponse:
    """Turn two-step sign-in off: the password again (a session left open is not enough)."""
    assert isinstance(request.user, User)
    user = request.user
    if not has_second_step(user):
        return redirect(reverse("account_settings") + "#two-step")
    form = DeleteAccountForm(request.POST or None, user=user)
    if request.method == "POST":
        checked = throttle.password_again(request, form, user.email)
        if isinstance(checked, HttpResponse):
            return checked
        if checked:
            with transaction.atomic():
                TOTPDevice.objects.filter(user=user).delete()
                StaticDevice.objects.filter(user=user).delete()
            messages.success(request, _("Two-step sign-in is off. Signing in now needs only "
                                        "your password."))
            return redirect(reverse("account_settings") + "#two-step")
    return render(request, "accounts/two_step_off.html", {"form": form})


@login_required
def renew_recovery_codes(request: HttpRequest) -> HttpResponse:
    """Settings → Make new recovery codes: the password again; the old codes stop working and
    the new ten are shown once."""
    assert isinstance(request.user, User)
    user = request.user
    if not has_second_step(user):
        return redirect(reverse("account_settings") + "#two-step")
    form = DeleteAccountForm(request.POST or None, user=user)
    if request.method == "POST":
        checked = throttle.password_again(request, form, user.email)
        if isinstance(checked, HttpResponse):
            return checked
        if checked:
            with transaction.atomic():
                codes = new_recovery_codes(user)
            return render(request, "accounts/two_step_codes.html",
                          {"codes": codes, "renewed": True})
    return render(request, "accounts/recovery_codes_new.html", {"form": form})
