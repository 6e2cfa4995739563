"""Settings → Email address → Change: ask (the new address and the password again), cancel,
and the page the emailed link opens (`accounts.email_change`)."""

from __future__ import annotations

import smtplib
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from pulserx.accounts import email_change, throttle
from pulserx.accounts.forms import DeleteAccountForm, ResetPasswordForm, normalise_email
from pulserx.accounts.models import User
from pulserx.accounts.people import can_receive_mail
from pulserx.accounts.verification import VERIFY_MAX_AGE
from pulserx.siteurl import site_url

SECTION = "#email-address"


class ChangeEmailForm(DeleteAccountForm):
    """The new address, and the password (a session left open must not be enough to move the
    account to another mailbox). Whether another account has the address is never said here:
    `email_change.request_change` writes to that address instead."""

    new_email = forms.EmailField(
        # RFC 5321's limit (SQLite would store more).
        label=gettext_lazy("New email address"), max_length=254,
        help_text=gettext_lazy("We email a link to it. Until you open the link, you keep "
                               "signing in with your current address."),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}))
    field_order = ["new_email", "password"]

    def clean_new_email(self) -> str:
        email = normalise_email(self.cleaned_data["new_email"])
        if email == normalise_email(self.user.email):
            raise forms.ValidationError(_("That is already your sign-in address. Give the new "
                                          "one."))
        if not can_receive_mail(email):
            raise forms.ValidationError(_("This address cannot receive email. Give an address "
                                          "you read."))
        return email


def settings_context(user: User) -> dict[str, Any]:
    """What Settings → Email address shows besides the address itself."""
    return {"pending_email_change": email_change.pending_change(user),
            "email_change_days": VERIFY_MAX_AGE.days}


@login_required
def change_email(request: HttpRequest) -> HttpResponse:
    """Ask for the change; the address changes only once the link sent to it is opened."""
    assert isinstance(request.user, User)
    user = request.user
    if not user.has_usable_password():
        # Made through a sign-in provider: no password to ask for again. A password reset
        # email to the current address sets one first (`forms.ResetPasswordForm`).
        return render(request, "accounts/email_change.html",
                      {"needs_password": True, **settings_context(user)})
    form = ChangeEmailForm(request.POST or None, user=user)
    if request.method == "POST":
        checked = throttle.password_again(request, form, user.email)
        if isinstance(checked, HttpResponse):
            return checked
        if checked:
            new_email = form.cleaned_data["new_email"]
            if email_change.request_change(user, new_email, site=site_url(request)):
                # The same words whether or not another account has the address.
                messages.success(request, _(
                    "We sent a link to %(email)s. Open it to make it your sign-in address; "
                    "until then you keep signing in with %(current)s.") % {
                    "email": new_email, "current": user.email})
                return redirect(reverse("account_settings") + SECTION)
            form.add_error(None, _("The mail server refused the message; try again later."))
    return render(request, "accounts/email_change.html",
                  {"form": form, **settings_context(user)})


@login_required
@require_POST
def cancel_email_change(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    if email_change.cancel_change(request.user):
        messages.success(request, _("The change is cancelled: the link we sent no longer "
                                    "works."))
    return redirect(reverse("account_settings") + SECTION)


def confirm_email_change(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link. Opening it only asks (a mail scanner that follows links must not
    make the change); the button makes it."""
    try:
        if request.method == "POST":
            done = email_change.confirm(token, site=site_url(request))
            return render(request, "accounts/email_change_confirm.html",
                          {"done": True, "email": done.user.email})
        change = email_change.check_link(token)
    except email_change.AddressTaken:
        return render(request, "accounts/email_change_confirm.html", {"taken": True},
                      status=409)
    except email_change.ChangeUnavailable:
        return render(request, "accounts/email_change_confirm.html", {"unavailable": True},
                      status=410)
    return render(request, "accounts/email_change_confirm.html", {"email": change.email})


def undo_email_change(request: HttpRequest, token: str) -> HttpResponse:
    """The undo link in the notice to the old address. Opening it only asks; the button puts
    the old address back, ends every session and token, and emails a password reset link."""
    template = "accounts/email_change_undo.html"
    try:
        if request.method == "POST":
            undone = email_change.undo(token)
            sent = send_password_reset(request, undone.back_to)
            return render(request, template, {"done": True, "email": undone.back_to,
                                              "sent": sent})
        found = email_change.check_undo(token)
    except email_change.AddressTaken:
        return render(request, template, {"taken": True}, status=409)
    except email_change.ChangeUnavailable:
        return render(request, template, {"unavailable": True}, status=410)
    return render(request, template, {"email": found.back_to})


def send_password_reset(request: HttpRequest, email: str) -> bool:
    """The password reset email, as "Forgot your password?" sends it."""
    form = ResetPasswordForm({"email": email})
    if not form.is_valid():
        return False
    try:
        form.mail(request)
    except (smtplib.SMTPException, OSError):
        return False
    return True
