"""The inbox: what the live toasts said, for clients that were not connected."""

from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import ZoneInfo

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router
from ninja.params.functions import Query

from pulserx.api.auth import any_auth, caller
from pulserx.api.schemas import MarkedOut, MarkReadIn, NotificationOut
from pulserx.notifications.messages import DoseFacts, describe, refill_words
from pulserx.notifications.models import Notification, NotificationKind
from pulserx.reminders.models import OPEN_STATUSES

router = Router(tags=["notifications"], auth=any_auth)

ALERT_KINDS = (NotificationKind.REMINDER, NotificationKind.REALERT)


def notification_out(notification: Notification) -> NotificationOut:
    """The inbox entry in the words of the live event (same `describe`, same clock)."""
    dose, patient = notification.dose, notification.patient
    facts = None
    if dose is not None:
        medication = dose.medication
        facts = DoseFacts(
            medication=medication.name if medication else None,
            strength=medication.strength if medication else "",
            form=medication.form if medication else "",
            instructions=medication.instructions if medication else "",
            amount=dose.amount, due_local=dose.due_at.astimezone(ZoneInfo(patient.timezone)),
        )
    if notification.kind == NotificationKind.REFILL:
        title, body = refill_words(notification)
    else:
        title, body = describe(notification.kind, facts, late=notification.late,
                               count=notification.count,
                               patient_label=patient.user.first_name or patient.user.email)
    return NotificationOut(
        id=notification.pk, type=notification.kind, dose_id=notification.dose_id,
        patient_id=notification.patient_id, title=title, body=body, late=notification.late,
        actionable=(notification.kind in ALERT_KINDS and dose is not None
                    and dose.status in OPEN_STATUSES),
        created_at=notification.created_at, read_at=notification.read_at,
    )


@router.get("/notifications", response=list[NotificationOut])
def list_notifications(
    request: HttpRequest,
    after: Annotated[int | None, Query(description="Only entries with a greater id.")] = None,
    unread: Annotated[bool, Query(description="Only entries not yet read.")] = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Any:
    """The caller's inbox. With `after`, oldest first, so a client catching up after a
    disconnect pages forward from the last id it saw; without, newest first."""
    entries = Notification.objects.filter(recipient=caller(request)).select_related(
        "dose__medication", "patient__user")
    if unread:
        entries = entries.filter(read_at__isnull=True)
    if after is not None:
        entries = entries.filter(pk__gt=after).order_by("pk")
    else:
        entries = entries.order_by("-pk")
    return [notification_out(n) for n in entries[:limit]]


@router.post("/notifications/read", response=MarkedOut)
def mark_read(request: HttpRequest, payload: MarkReadIn) -> Any:
    """Mark some (`ids`) or all (`all: true`) of the caller's unread entries read. Ids that
    are not the caller's are ignored."""
    unread = Notification.objects.filter(recipient=caller(request), read_at__isnull=True)
    if not payload.all:
        unread = unread.filter(pk__in=payload.ids or [])
    return MarkedOut(marked=unread.update(read_at=timezone.now()))
