"""Signed dose actions for places outside a signed-in page.

Two kinds of token, both made with django.core.signing (so SECRET_KEY signs them and
rotating it voids them all):

- An email link token is the credential itself: whoever holds the link may record that one
  dose as taken or skipped, with no sign-in, until PULSERX_EMAIL_LINK_MAX_AGE passes. It names
  the dose, the action and the user it was issued to.
- A push action token rides inside the (encrypted) push payload and lets the service worker's
  Take / Skip / Snooze buttons call /push/action without a CSRF token, which a service worker
  cannot read. It is only accepted together with the signed-in session of the same user.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.urls import reverse

from pulserx.reminders.models import DoseStatus

EMAIL_SALT = "pulserx.email-action"
PUSH_SALT = "pulserx.push-action"
EMAIL_ACTIONS = {"take": DoseStatus.TAKEN, "skip": DoseStatus.SKIPPED}
# A reminder can sit on a lock screen for a while; past this its buttons open the app instead.
PUSH_ACTION_MAX_AGE = timedelta(hours=12)


class LinkExpired(Exception):
    """The signature is good but older than its maximum age."""


class LinkInvalid(Exception):
    """The token was altered, truncated, or made for something else."""


@dataclass(frozen=True)
class EmailAction:
    dose_id: int
    action: str
    user_id: int

    @property
    def status(self) -> DoseStatus:
        return EMAIL_ACTIONS[self.action]


def email_action_token(dose_id: int, action: str, user_id: int) -> str:
    if action not in EMAIL_ACTIONS:
        raise ValueError(f"no email link for {action!r}")
    return signing.dumps({"d": dose_id, "a": action, "u": user_id}, salt=EMAIL_SALT)


def email_action_url(dose_id: int, action: str, user_id: int) -> str:
    """The absolute one-click link for a reminder email."""
    token = email_action_token(dose_id, action, user_id)
    return settings.SITE_URL + reverse("email-dose-action", args=[token])


def read_email_action(token: str) -> EmailAction:
    """Return what the link asks for, or raise LinkExpired / LinkInvalid."""
    max_age = settings.PULSERX_EMAIL_LINK_MAX_AGE
    try:
        data = signing.loads(token, salt=EMAIL_SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise LinkExpired from None
    except signing.BadSignature:
        raise LinkInvalid from None
    if not _is_claim(data, "d", "u") or data.get("a") not in EMAIL_ACTIONS:
        raise LinkInvalid
    return EmailAction(dose_id=data["d"], action=data["a"], user_id=data["u"])


def push_action_token(dose_id: int, user_id: int) -> str:
    return signing.dumps({"d": dose_id, "u": user_id}, salt=PUSH_SALT)


def push_action_allowed(token: object, dose_id: int, user_id: int) -> bool:
    """True when `token` was issued for this dose and this user and has not expired."""
    if not isinstance(token, str):
        return False
    try:
        data = signing.loads(token, salt=PUSH_SALT, max_age=PUSH_ACTION_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is a BadSignature too
        return False
    return _is_claim(data, "d", "u") and data["d"] == dose_id and data["u"] == user_id


def _is_claim(data: Any, *int_fields: str) -> bool:
    return isinstance(data, dict) and all(
        type(data.get(field)) is int for field in int_fields)
