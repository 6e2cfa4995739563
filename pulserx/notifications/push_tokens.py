"""Signed tokens for the Take / Skip / Snooze buttons of a Web Push notification.

The token rides inside the (encrypted) push payload and lets the service worker's buttons
call /push/action without a CSRF token, which a service worker cannot read. It is only
accepted together with the signed-in session of the same user. Made with
django.core.signing, so rotating SECRET_KEY voids them all.
"""

from __future__ import annotations

from datetime import timedelta

from django.core import signing

from pulserx.notifications.signed import is_claim

PUSH_SALT = "pulserx.push-action"
# A reminder can sit on a lock screen for a while; past this its buttons open the app instead.
PUSH_ACTION_MAX_AGE = timedelta(hours=12)


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
    return is_claim(data, "d", "u") and data["d"] == dose_id and data["u"] == user_id
