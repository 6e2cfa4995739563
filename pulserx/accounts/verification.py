"""Proving an email address belongs to the person who signed up with it.

The link carries a signature over the user's id and address, so it stops working when the
address changes; it expires after VERIFY_MAX_AGE. Until the address is verified, nobody can
accept a caregiver invitation with the account and no reminder is emailed to it.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pulserx.accounts.models import User
from pulserx.accounts.people import can_receive_mail

log = logging.getLogger(__name__)
VERIFY_MAX_AGE = timedelta(days=3)
_SALT = "pulserx.accounts.verify-email"


def verification_token(user: User, then: str = "") -> str:
    """`then`: a site path to continue to after signing in (already checked as safe)."""
    return signing.dumps({"user": user.pk, "email": user.email.lower(), "then": then},
                         salt=_SALT)


def verify_url(user: User, then: str = "", site: str = "") -> str:
    """`site`: the address links point at (`siteurl.site_url(request)`); SITE_URL if empty."""
    token = verification_token(user, then)
    return (site or settings.SITE_URL) + reverse("verify_email", kwargs={"token": token})


def continue_path(token: str) -> str:
    """Where a verification link continues to (signature already checked by `verify`)."""
    data = signing.loads(token, salt=_SALT)
    then = data.get("then", "") if isinstance(data, dict) else ""
    return then if isinstance(then, str) and then.startswith("/") and not \
        then.startswith("//") else ""


def verify(token: str) -> tuple[bool, User | None]:
    """Mark the address of the token verified: (whether this use verified it, its user).
    The user is None for a link that is forged, expired, or for an address the account no
    longer has."""
    try:
        data = signing.loads(token, salt=_SALT, max_age=VERIFY_MAX_AGE)
    except signing.BadSignature:
        return False, None
    if not isinstance(data, dict) or not isinstance(data.get("user"), int):
        return False, None
    user = User.objects.filter(pk=data["user"]).first()
    if user is None or user.email.lower() != data.get("email"):
        return False, None
    # The guarded update makes "first use" true for exactly one request.
    first_use = bool(User.objects.filter(pk=user.pk, email_verified=False)
                     .update(email_verified=True))
    user.email_verified = True
    return first_use, user


def send_verification(user: User, then: str = "", site: str = "") -> bool:
    """Email the link; False when the mail server refused it (the page offers a resend)."""
    if not can_receive_mail(user.email):
        return False
    # Translators: the body of an email; %(url)s is the link, alone on its line.
    body = ngettext(
        "Confirm that this is your address by opening this link within %(days)s day:\n\n"
        "%(url)s\n\nUntil you do, PulseRx sends no reminders to it and you cannot accept "
        "invitations to look after someone.\n",
        "Confirm that this is your address by opening this link within %(days)s days:\n\n"
        "%(url)s\n\nUntil you do, PulseRx sends no reminders to it and you cannot accept "
        "invitations to look after someone.\n", VERIFY_MAX_AGE.days) % {
        "days": VERIFY_MAX_AGE.days, "url": verify_url(user, then, site)}
    try:
        send_mail(_("Confirm your PulseRx email address"), body, None, [user.email])
    except (smtplib.SMTPException, OSError) as exc:
        log.warning("verification email for user %s not sent: %s", user.pk, type(exc).__name__)
        return False
    return True


def send_account_exists(user: User, site: str = "") -> bool:
    """Someone tried to sign up with an address that has an account: tell its owner (never
    the placeholder of a person without a login: no mail is addressed to it)."""
    if not can_receive_mail(user.email):
        return True
    site = site or settings.SITE_URL
    sign_in = site + reverse("login")
    reset = site + reverse("password_reset")
    # Translators: the body of an email; %(sign_in)s and %(reset)s are links.
    body = _("Someone (perhaps you) tried to create a PulseRx account with this address, "
             "which already has one.\n\nSign in: %(sign_in)s\nForgot your password? "
             "%(reset)s\n\nIf it was not you, you can ignore this email: nothing has "
             "changed.\n") % {"sign_in": sign_in, "reset": reset}
    try:
        send_mail(_("You already have a PulseRx account"), body, None, [user.email])
    except (smtplib.SMTPException, OSError) as exc:
        log.warning("account-exists email for user %s not sent: %s", user.pk,
                    type(exc).__name__)
        return False
    return True
