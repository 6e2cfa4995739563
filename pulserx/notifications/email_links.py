"""Signed one-click links in reminder emails.

A link token is made with django.core.signing (SECRET_KEY signs it; rotating it voids them
all) and is the credential itself: whoever holds the link may record that one dose as taken
or skipped, with no sign-in, until PULSERX_EMAIL_LINK_MAX_AGE passes. It names the dose, the
action and the user it was issued to.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core import signing

from pulserx.notifications.signed import is_claim
from pulserx.reminders.models import RECORD_ACTIONS, DoseStatus

EMAIL_SALT = "pulserx.email-action"
# The path of `email-dose-action`, written out: `reverse()` would load the whole URLconf
# (every view, the API, the admin: about 58 MB) into the worker at its first email.
ACTION_PATH = "/email/dose/{token}/"


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
        return RECORD_ACTIONS[self.action]


def email_action_token(dose_id: int, action: str, user_id: int) -> str:
    if action not in RECORD_ACTIONS:
        raise ValueError(f"no email link for {action!r}")
    return signing.dumps({"d": dose_id, "a": action, "u": user_id}, salt=EMAIL_SALT)


def email_action_url(dose_id: int, action: str, user_id: int) -> str:
    """The absolute one-click link for a reminder email."""
    token = email_action_token(dose_id, action, user_id)
    return settings.SITE_URL + ACTION_PATH.format(token=token)


def read_email_action(token: str) -> EmailAction:
    """Return what the link asks for, or raise LinkExpired / LinkInvalid."""
    max_age = settings.PULSERX_EMAIL_LINK_MAX_AGE
    try:
        data = signing.loads(token, salt=EMAIL_SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise LinkExpired from None
    except signing.BadSignature:
        raise LinkInvalid from None
    if not is_claim(data, "d", "u") or data.get("a") not in RECORD_ACTIONS:
        raise LinkInvalid
    return EmailAction(dose_id=data["d"], action=data["a"], user_id=data["u"])
