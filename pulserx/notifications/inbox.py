"""The inbox as every surface sees it: unread counts, catching up, marking read, and each
stored notification in the one shape the live event has.

`payloads` gives each stored notification exactly the payload the dispatcher publishes live,
so a toast built from a missed event fetched on reconnect is the same as one built from the
WebSocket.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db.models import Max, QuerySet
from django.utils import timezone

from pulserx.accounts.models import CareLink, CareLinkStatus, User
from pulserx.notifications import render, shapes
from pulserx.notifications.models import Notification, NotificationKind
from pulserx.reminders.models import Dose

# What rendering a stored notification reads; every inbox query loads it in one go.
RENDER_RELATED = ("dose__medication", "dose__patient", "patient__user", "recipient__patient",
                  "refill__medication__patient")


def with_words(notifications: QuerySet[Notification]) -> QuerySet[Notification]:
    return notifications.select_related(*RENDER_RELATED)


def messages(notifications: Iterable[Notification]) -> list[render.Message]:
    """The words of each notification (loaded `with_words`), in the given order. A reminder
    whose dose can no longer be recorded is not actionable: no buttons that cannot work."""
    return [render.stored_message(n) for n in notifications]


def payloads(notifications: Sequence[Notification]) -> list[dict[str, Any]]:
    return [shapes.event_payload(m) for m in messages(notifications)]


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def last_notification_id(user: User) -> int:
    return Notification.objects.filter(recipient=user).aggregate(last=Max("pk"))["last"] or 0


def notifications_since(user: User, after: int, limit: int) -> tuple[list[Notification], bool]:
    """The user's notifications with id > `after`, oldest first, at most `limit`, and
    whether more are waiting."""
    found = list(with_words(Notification.objects.filter(recipient=user, pk__gt=after))
                 .order_by("pk")[:limit + 1])
    return found[:limit], len(found) > limit


def mark_read(user: User, ids: Iterable[int] | None = None,
              now: datetime | None = None) -> int:
    """Mark the user's unread notifications read: all of them, or those of `ids` (ids that
    are not theirs are ignored). Returns how many changed."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=list(ids))
    return unread.update(read_at=now or timezone.now())


def mark_dose_read(dose: Dose, at: datetime, **kwargs: Any) -> None:
    """A recorded dose's notifications need no more attention (connected to
    `reminders.signals.dose_recorded`)."""
    Notification.objects.filter(dose=dose, read_at__isnull=True).update(read_at=at)


def alert_caregivers_of_override(dose: Dose, at: datetime, **kwargs: Any) -> int:
    """An inbox entry for each accepted caregiver who gets alerts: the patient recorded a
    dose beyond a limit (connected to `reminders.signals.limit_overridden`)."""
    caregiver_ids = CareLink.objects.filter(
        patient_id=dose.patient_id, status=CareLinkStatus.ACCEPTED, alert_on_missed=True,
        caregiver__isnull=False).values_list("caregiver_id", flat=True)
    rows = [Notification(recipient_id=caregiver_id, patient_id=dose.patient_id, dose=dose,
                         kind=NotificationKind.CAREGIVER_OVERRIDE, created_at=at)
            for caregiver_id in caregiver_ids]
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)
