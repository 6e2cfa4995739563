"""The inbox as pages and the reconcile endpoint see it.

`notification_payloads` gives each stored notification exactly the payload the dispatcher
publishes live (pulserx.notifications.outbox.notification_event), so a toast built from a
missed event fetched on reconnect is the same as one built from the WebSocket.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Max

from pulserx.accounts.models import User
from pulserx.notifications.models import Notification, NotificationKind
from pulserx.notifications.outbox import notification_event
from pulserx.reminders.models import OPEN_STATUSES, Dose, DoseStatus

# The dose fields outbox.dose_facts and notification_event read from a row.
ROW_FIELDS = (
    "id", "amount", "due_at", "status", "patient__timezone", "patient__user_id",
    "patient__user__first_name", "patient__user__email", "medication__name",
    "medication__strength", "medication__form", "medication__instructions",
)
ACTIONABLE_KINDS = (NotificationKind.REMINDER, NotificationKind.REALERT)
# A dose the patient can still record from a notification (a missed one can be logged late).
RECORDABLE = (*OPEN_STATUSES, DoseStatus.MISSED)


def notification_payloads(notifications: Sequence[Notification]) -> list[dict[str, Any]]:
    """The live-event payload of each notification, in the given order.

    `actionable` is also False once the dose has been recorded, so a reminder fetched after
    the fact does not offer buttons that can no longer work."""
    dose_ids = {n.dose_id for n in notifications if n.dose_id is not None}
    rows = {row["id"]: row for row in Dose.objects.filter(pk__in=dose_ids).values(*ROW_FIELDS)}
    payloads = []
    for notification in notifications:
        row = rows.get(notification.dose_id) if notification.dose_id else None
        _, message = notification_event(notification, row)
        payload = dict(message["event"])
        payload["actionable"] = bool(
            payload["actionable"] and row is not None and row["status"] in RECORDABLE
            and row["patient__user_id"] == notification.recipient_id
        )
        payloads.append(payload)
    return payloads


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def last_notification_id(user: User) -> int:
    return Notification.objects.filter(recipient=user).aggregate(last=Max("pk"))["last"] or 0


def notifications_since(user: User, after: int, limit: int) -> tuple[list[Notification], bool]:
    """The user's notifications with id > `after`, oldest first, at most `limit`, and
    whether more are waiting."""
    found = list(Notification.objects.filter(recipient=user, pk__gt=after).order_by("pk")
                 [:limit + 1])
    return found[:limit], len(found) > limit
