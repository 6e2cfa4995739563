"""How each channel carries a message: the browsers' event (live, `/inbox/since`, the inbox
page), the Web Push payload and its buttons, the email's template context, and the reply
prompt of channels answered by replying (SMS, Matrix). The words themselves come from the one
renderer (`render.message`); nothing here words a dose."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from pulserx.notifications.email_links import email_action_url
from pulserx.notifications.models import NotificationKind
from pulserx.notifications.push_tokens import push_action_token
from pulserx.notifications.render import Message, reading


def push_buttons(kind: str = NotificationKind.REMINDER) -> list[dict[str, Any]]:
    """The buttons of a pushed reminder (see pulserx/web/static/pulserx/sw.js), in the
    active language. A giver's reminder has Given and Skip: snoozing is the patient's."""
    if kind == NotificationKind.GIVER_REMINDER:
        return [
            # Translators: a button on a carer's pushed reminder: record the dose as given.
            {"action": "take", "title": pgettext("push button", "Given")},
            {"action": "skip", "title": pgettext("push button", "Skip")},
        ]
    return [
        # Translators: a button on a pushed reminder: record the dose as taken.
        {"action": "take", "title": pgettext("push button", "Take")},
        # Translators: a button on a pushed reminder: remind again in 10 minutes.
        {"action": "snooze", "title": pgettext("push button", "Snooze 10 min"), "minutes": 10},
        # Translators: a button on a pushed reminder: record the dose as skipped.
        {"action": "skip", "title": pgettext("push button", "Skip")},
    ]



def event_payload(message: Message) -> dict[str, Any]:
    """The one shape of a notification for browsers: the live event, `/inbox/since` and
    the inbox page all use it (the API's schema has the same fields)."""
    return {
        "kind": "notification", "id": message.id, "type": message.kind,
        "dose_id": message.dose_id, "patient_id": message.patient_id,
        "title": message.title, "body": message.body, "late": message.late,
        "actionable": message.actionable, "created_at": message.created_at.isoformat(),
        "quiet": message.quiet,
    }



def push_payload(message: Message) -> dict[str, Any]:
    """The JSON the service worker receives (see pulserx/web/static/pulserx/sw.js)."""
    dose_id = message.dose_id
    payload: dict[str, Any] = {
        "id": message.id, "kind": message.kind, "title": message.title, "body": message.body,
        "tag": f"dose-{dose_id}" if dose_id else f"notification-{message.id}",
        "dose_id": dose_id, "actions": [], "url": "/",
    }
    if message.actionable:
        assert dose_id is not None
        with reading(message.language):
            payload["actions"] = push_buttons(message.kind)
        payload["action_token"] = push_action_token(dose_id, message.recipient_id)
    return payload



def reply_prompt(kind: str = NotificationKind.REMINDER) -> str:
    """How to answer a reminder by replying, in the active language."""
    if kind == NotificationKind.GIVER_REMINDER:
        # Translators: the end of a carer's reminder by SMS or in a Matrix room.
        return _("Reply 1 once you have given it, 2 to skip.")
    # Translators: the end of a reminder by SMS or in a Matrix room: the person answers
    # "1" or "2" (PulseRx also understands the words for take, taken, skip and skipped).
    return _("Reply 1 if you took it, 2 to skip.")



def body_with_reply_prompt(message: Message) -> str:
    """The body of a reminder on a channel answered by replying (SMS, Matrix): the body,
    then how to reply, in the recipient's language."""
    with reading(message.language):
        return f"{message.body}\n\n{reply_prompt(message.kind)}"



def email_context(message: Message) -> dict[str, Any]:
    """The context of the reminder email's text and HTML templates (render them under
    `reading(message.language)`: the recipient's language)."""
    context: dict[str, Any] = {
        "title": message.title, "body": message.body, "kind": message.kind,
        "subject": " ".join(message.title.split()),  # a header: no line breaks
        "app_url": settings.SITE_URL + "/",
        "link_hours": round(settings.PULSERX_EMAIL_LINK_MAX_AGE.total_seconds() / 3600),
    }
    if message.actionable:
        assert message.dose_id is not None
        for action in ("take", "skip"):
            context[f"{action}_url"] = email_action_url(message.dose_id, action,
                                                        message.recipient_id)
    return context
