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

from pulserx.accounts.models import User

log = logging.getLogger(__name__)
VERIFY_MAX_AGE = timedelta(days=3)
_SALT = "pulserx.accounts.verify-email"


def verification_token(user: User) -> str:
    return signing.dumps({"user": user.pk, "email": user.email.lower()}, salt=_SALT)


def verify_url(user: User) -> str:
    return settings.SITE_URL + reverse("verify_email", kwargs={"token": verification_token(user)})


def verify(token: str) -> User | None:
    """Mark the address of the token verified and return its user; None for a link that is
    forged, expired, or for an address the account no longer has."""
    try:
        data = signing.loads(token, salt=_SALT, max_age=VERIFY_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("user"), int):
        return None
    user = User.objects.filter(pk=data["user"]).first()
    if user is None or user.email.lower() != data.get("email"):
        return None
    if not user.email_verified:
        User.objects.filter(pk=user.pk).update(email_verified=True)
        user.email_verified = True
    return user


def send_verification(user: User) -> bool:
    """Email the link; False when the mail server refused it (the page offers a resend)."""
    body = (f"Confirm that this is your address by opening this link within "
            f"{VERIFY_MAX_AGE.days} days:\n\n{verify_url(user)}\n\n"
            "Until you do, PulseRx sends no reminders to it and you cannot accept "
            "invitations to look after someone.\n")
    try:
        send_mail("Confirm your PulseRx email address", body, None, [user.email])
    except (smtplib.SMTPException, OSError) as exc:
        log.warning("verification email for user %s not sent: %s", user.pk, type(exc).__name__)
        return False
    return True
