"""Take / Skip from a channel message: ntfy's action buttons and Telegram's inline keyboard.

Each button carries a signed token (django.core.signing, SECRET_KEY) naming the dose and
the action, that expires after PULSERX_CHANNEL_LINK_MAX_AGE like an email link. Pressing it
goes through the one home that records a dose (`reminders.actions.record_dose`): the first
press records it, every later press is told what the page would say ("This dose is already
marked taken.").

- ntfy: an `http` action POSTs to /channels/dose/<token>; the token is the credential and
  names the user it was issued to.
- Telegram: callback data is at most 64 bytes, so it holds a short signature ("t123:…")
  bound to the channel; Telegram posts the press to that channel's webhook
  (/channels/telegram/<channel id>/) with the secret token PulseRx gave it.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from pulserx.accounts.care import may_record_for
from pulserx.accounts.models import User
from pulserx.notifications.signed import is_claim
from pulserx.reminders.actions import DoseActionError, record_dose
from pulserx.reminders.models import RECORD_ACTIONS, Dose, RecordedVia

CHANNEL_SALT = "pulserx.channel-action"


def button_titles(giver: bool = False) -> dict[str, str]:
    """The buttons' words in the active language (the transport activates the message's);
    a giver's reminder says Given."""
    # Translators: buttons on a reminder in a chat app (ntfy, Telegram): record the dose
    # (Given: on a carer's reminder to give someone their dose).
    return {"take": pgettext("channel button", "Given") if giver
            else pgettext("channel button", "Take"),
            "skip": pgettext("channel button", "Skip")}
_SHORT = {"take": "t", "skip": "s"}


class ButtonExpired(Exception):
    """A good signature, older than PULSERX_CHANNEL_LINK_MAX_AGE."""


class ButtonInvalid(Exception):
    """Altered, truncated or made for something else."""


@dataclass(frozen=True)
class Press:
    dose_id: int
    action: str
    user_id: int


def action_token(dose_id: int, action: str, user_id: int) -> str:
    if action not in RECORD_ACTIONS:
        raise ValueError(f"no button for {action!r}")
    return signing.dumps({"d": dose_id, "a": action, "u": user_id}, salt=CHANNEL_SALT)


# The path of `channel-dose-action`, written out: `reverse()` would load the whole URLconf
# (every view, the API, the admin; tens of MB) into the worker that sends the message.
ACTION_PATH = "/channels/dose/{token}/"


def action_url(dose_id: int, action: str, user_id: int) -> str:
    return settings.SITE_URL + ACTION_PATH.format(token=action_token(dose_id, action, user_id))


def read_action_token(token: str) -> Press:
    try:
        data = signing.loads(token, salt=CHANNEL_SALT,
                             max_age=settings.PULSERX_CHANNEL_LINK_MAX_AGE)
    except signing.SignatureExpired:
        raise ButtonExpired from None
    except signing.BadSignature:
        raise ButtonInvalid from None
    if not is_claim(data, "d", "u") or data.get("a") not in RECORD_ACTIONS:
        raise ButtonInvalid
    return Press(dose_id=data["d"], action=data["a"], user_id=data["u"])


def ntfy_actions(dose_id: int, user_id: int, giver: bool = False) -> str:
    """ntfy's `X-Actions` header: two `http` actions that POST to PulseRx."""
    return "; ".join(
        f"http, {title}, {action_url(dose_id, action, user_id)}, method=POST, clear=true"
        for action, title in button_titles(giver).items())


# --- Telegram

def _telegram_signer(channel_id: int) -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=f"pulserx.telegram.{channel_id}", algorithm="sha256")


def telegram_callback(channel_id: int, dose_id: int, action: str) -> str:
    """Callback data for a button (≤ 64 bytes), valid only for this channel."""
    return _telegram_signer(channel_id).sign(f"{_SHORT[action]}{dose_id}")


def read_telegram_callback(channel_id: int, data: str) -> tuple[int, str]:
    """(dose id, action) of a press; ButtonExpired / ButtonInvalid."""
    try:
        value = _telegram_signer(channel_id).unsign(
            data, max_age=settings.PULSERX_CHANNEL_LINK_MAX_AGE)
    except signing.SignatureExpired:
        raise ButtonExpired from None
    except signing.BadSignature:
        raise ButtonInvalid from None
    action = {v: k for k, v in _SHORT.items()}.get(value[:1])
    if action is None or not value[1:].isdigit():
        raise ButtonInvalid
    return int(value[1:]), action


def telegram_keyboard(channel_id: int, dose_id: int, giver: bool = False) -> dict[str, object]:
    return {"inline_keyboard": [[
        {"text": title, "callback_data": telegram_callback(channel_id, dose_id, action)}
        for action, title in button_titles(giver).items()]]}


def telegram_secret(channel_id: int) -> str:
    """The secret Telegram sends with each update to the channel's webhook
    (setWebhook's secret_token: 1 to 256 of A-Z, a-z, 0-9, _ and -)."""
    return hmac.new(settings.SECRET_KEY.encode(), f"telegram-webhook:{channel_id}".encode(),
                    hashlib.sha256).hexdigest()


# --- the one way a press is recorded

def record_press(dose_id: int, action: str, user: User) -> tuple[bool, str]:
    """(recorded, what to tell the person, in the active language). The user's own dose,
    or one of a person they still give to (`care.may_record_for`)."""
    dose = Dose.objects.filter(pk=dose_id).first()
    if dose is None or not user.is_active \
            or not may_record_for(user, dose.patient_id, is_test=dose.is_test):
        return False, _("This dose is no longer in PulseRx.")
    try:
        with transaction.atomic():
            record_dose(dose.pk, RECORD_ACTIONS[action], by=user, via=RecordedVia.CHANNEL)
    except DoseActionError as error:
        return False, str(error)
    if action != "take":
        return True, _("Skipped.")
    # Translators: the answer to pressing Take (Given, for a carer) on a reminder in a chat app.
    return True, _("Taken. Well done.") if dose.patient.user_id == user.pk else _("Given.")
