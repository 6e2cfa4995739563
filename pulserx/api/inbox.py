"""The inbox: what the live toasts said, for clients that were not connected."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Router
from ninja.params.functions import Query

from pulserx.api.auth import any_auth, caller
from pulserx.api.schemas import MarkedOut, MarkReadIn, NotificationOut
from pulserx.notifications import inbox
from pulserx.notifications.models import Notification
from pulserx.notifications.render import Message

router = Router(tags=["notifications"], auth=any_auth)


def notification_out(notification: Notification, message: Message) -> NotificationOut:
    """The inbox entry in the words of the live event (the same renderer, the same clock)."""
    return NotificationOut(
        id=message.id, type=message.kind, dose_id=message.dose_id,
        patient_id=message.patient_id, title=message.title, body=message.body,
        late=message.late, actionable=message.actionable, created_at=message.created_at,
        read_at=notification.read_at,
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
    entries = inbox.with_words(Notification.objects.filter(recipient=caller(request)))
    if unread:
        entries = entries.filter(read_at__isnull=True)
    if after is not None:
        entries = entries.filter(pk__gt=after).order_by("pk")
    else:
        entries = entries.order_by("-pk")
    found = list(entries[:limit])
    return [notification_out(n, m) for n, m in zip(found, inbox.messages(found), strict=True)]


@router.post("/notifications/read", response=MarkedOut)
def mark_read(request: HttpRequest, payload: MarkReadIn) -> Any:
    """Mark some (`ids`) or all (`all: true`) of the caller's unread entries read. Ids that
    are not the caller's are ignored."""
    ids = None if payload.all else (payload.ids or [])
    return MarkedOut(marked=inbox.mark_read(caller(request), ids))
