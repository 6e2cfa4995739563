"""Take / Skip by replying: "1" or "2" to a reminder by SMS (Twilio) or in a Matrix room.

A reply carries no token, so the reminder it answers is found among the reminders sent on
that channel (their Delivery rows): the one it names (a Matrix reply's `m.in_reply_to`, by
the event id the homeserver gave the reminder, `Delivery.provider_ref`), else the latest
one sent before it whose dose is still open, else the latest one. A reminder answers for
PULSERX_CHANNEL_LINK_MAX_AGE after it was sent, like an email link or a button; after that
the reply is told it has expired. The dose is recorded by the same one function as a button
press (`buttons.record_press`), so the first reply records it and every later one is told
what the page would say ("Already taken by Alex at 08:05.").

Nothing here reaches a service: the Twilio webhook (channel_button_views) and the Matrix
reader (channels.matrix_replies) call `answer_reply` with what they received.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from pulserx.notifications.channels.buttons import record_press
from pulserx.notifications.models import (
    RECORDABLE_KINDS,
    Delivery,
    DeliveryStatus,
    UserChannel,
)
from pulserx.reminders.actions import RECORDABLE_STATUSES


def reply_words() -> dict[str, str]:
    """{word: "take" or "skip"} for what a reply may say, in the active language (English
    and the digits always work)."""
    words = {"1": "take", "t": "take", "take": "take", "taken": "take", "took": "take",
             "2": "skip", "s": "skip", "skip": "skip", "skipped": "skip"}
    # Translators: words a person may reply to a reminder by SMS or in a Matrix room to
    # record the dose (besides "1" and "2"): one word each, as people type it.
    for word in (pgettext("reply word", "take"), pgettext("reply word", "taken")):
        words.setdefault(folded(word), "take")
    for word in (pgettext("reply word", "skip"), pgettext("reply word", "skipped")):
        words.setdefault(folded(word), "skip")
    return words


def folded(word: str) -> str:
    """`word` as compared: case and accents (and Arabic's short vowels) aside, so "Sauté",
    "saute" and "SAUTÉ" are one reply."""
    return "".join(c for c in unicodedata.normalize("NFKD", word.casefold())
                   if not unicodedata.combining(c))


def reply_action(text: str) -> str | None:
    """"take" or "skip" for a reply ("1", " Taken! ", "2."), None for anything else. The
    quoted reminder a Matrix client puts before a reply (lines starting with ">") is left out."""
    lines = [line for line in text.splitlines() if not line.lstrip().startswith(">")]
    word = folded(" ".join(" ".join(lines).split()).strip(" .!"))
    return reply_words().get(word)


def reminders_sent(channel: UserChannel) -> QuerySet[Delivery]:
    """The reminders (of a dose, that ask to act on it: the owner's own, or to give someone
    theirs) sent on this channel, newest first."""
    return (Delivery.objects.filter(target=channel, status=DeliveryStatus.SENT,
                                    notification__kind__in=RECORDABLE_KINDS,
                                    notification__dose__isnull=False, sent_at__isnull=False)
            .select_related("notification__dose").order_by("-sent_at", "-pk"))


def answers_until(delivery: Delivery) -> datetime:
    """When a reply to this reminder stops recording the dose (as an email link's does)."""
    assert delivery.sent_at is not None
    return delivery.sent_at + settings.PULSERX_CHANNEL_LINK_MAX_AGE


@dataclass(frozen=True)
class Answered:
    """What became of a reply: whether it recorded the dose, and the words to send back."""

    recorded: bool
    text: str


def reminder_answered(channel: UserChannel, now: datetime, *, replying_to: str = "",
                      sent_before: datetime | None = None) -> Delivery | None:
    """The reminder a reply answers: the one named by `replying_to` (a Matrix event id),
    else the latest sent (before `sent_before`) whose dose is still open, else the latest."""
    sent = reminders_sent(channel)
    if replying_to:
        named = sent.filter(provider_ref=replying_to).first()
        if named is not None:
            return named
    if sent_before is not None:
        sent = sent.filter(sent_at__lte=sent_before)
    unexpired = sent.filter(sent_at__gte=now - settings.PULSERX_CHANNEL_LINK_MAX_AGE)
    return (unexpired.filter(notification__dose__status__in=RECORDABLE_STATUSES).first()
            or unexpired.first() or sent.first())


def answer_reply(channel: UserChannel, action: str, reminder: Delivery | None,
                 now: datetime) -> Answered:
    """Record the reply's `action` on the dose of `reminder` for the channel's owner, and
    what to tell them (in the active language: the caller activates the owner's)."""
    if reminder is None:
        return Answered(False, _("There is no reminder to answer: record your doses in "
                                 "PulseRx."))
    if now > answers_until(reminder):
        # Translators: the answer to "1" or "2" sent to a reminder older than the time
        # a reply (or a button, or an email link) works.
        return Answered(False, _("This reminder has expired: record the dose in PulseRx."))
    dose_id = reminder.notification.dose_id
    assert dose_id is not None
    recorded, words = record_press(dose_id, action, channel.user)
    return Answered(recorded, words)


# --- Twilio's signature on the requests it makes (its "Webhooks security" documentation):
# base64 of the HMAC-SHA1, keyed with the account's auth token, of the full URL Twilio
# requested followed by each POST parameter's name and value, sorted by name.

def twilio_signature(auth_token: str, url: str, params: Iterable[tuple[str, list[str]]]) -> str:
    text = url + "".join(name + value for name, values in sorted(params)
                         for value in sorted(set(values)))
    digest = hmac.new(auth_token.encode(), text.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def with_and_without_port(url: str) -> list[str]:
    """The URL as written, and with its default port added or removed: Twilio signs the URL
    as it requested it, which may or may not name the port."""
    parts = urlsplit(url)
    default = 443 if parts.scheme == "https" else 80
    host = parts.netloc.rsplit(":", 1)[0] if parts.port else parts.netloc
    other = host if parts.port == default else f"{host}:{default}" if not parts.port else None
    return [url] if other is None else [url, parts._replace(netloc=other).geturl()]


def twilio_signed(auth_token: str, url: str, params: Iterable[tuple[str, list[str]]],
                  signature: str) -> bool:
    """True when `signature` (X-Twilio-Signature) is Twilio's for this request."""
    params = list(params)
    return bool(signature) and any(
        hmac.compare_digest(twilio_signature(auth_token, candidate, params).encode(),
                            signature.encode())
        for candidate in with_and_without_port(url))
