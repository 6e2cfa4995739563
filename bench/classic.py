"""The classic approach PulseRx replaces, kept here so the product stays clean: one Celery
task per reminder, sent ahead with `apply_async(eta=due)` (or `countdown=`), each creating its
Notification and calling `async_to_sync(channel_layer.group_send)`.

Run as the incident ran it: `celery -A bench.classic worker --pool=solo`, on the benchmark's
database and Redis (DATABASE_URL, REDIS_URL), on a queue of its own.
"""

from __future__ import annotations

import functools
import os
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pulserx.settings")
django.setup()

from asgiref.sync import async_to_sync  # noqa: E402
from celery import Celery  # noqa: E402
from channels.layers import get_channel_layer  # noqa: E402
from django.conf import settings  # noqa: E402
from django.utils import timezone  # noqa: E402

QUEUE = "classic"
RUNS_KEY = "bench:classic:runs"  # dose id -> how many times its task ran

app = Celery("classic", set_as_current=False)
app.conf.update(
    broker_url=settings.REDIS_URL,
    task_default_queue=QUEUE,
    task_ignore_result=True,
    task_serializer="json",
    accept_content=["json"],
    worker_hijack_root_logger=False,
    broker_connection_retry_on_startup=True,
    # Redis re-delivers a message not acked within this time, even one a worker holds for
    # its eta: the source of duplicate reminders. The bench shortens it to show that.
    broker_transport_options={
        "visibility_timeout": int(os.environ.get("CLASSIC_VISIBILITY_TIMEOUT", "3600")),
        # How often the worker sweeps for such messages (kombu: interval x throttle).
        "unacked_restore_interval": int(os.environ.get("CLASSIC_RESTORE_INTERVAL", "10")),
        "unacked_restore_throttle": int(os.environ.get("CLASSIC_RESTORE_THROTTLE", "10")),
    },
)


@functools.cache
def _redis() -> Any:
    import redis

    return redis.Redis.from_url(settings.REDIS_URL)


@app.task(name="classic.remind")
def remind(dose_id: int) -> None:
    """Mark the dose notified, write its inbox row, push the live event."""
    from pulserx.live import inbox_group
    from pulserx.notifications.models import Notification, NotificationKind
    from pulserx.notifications.render import facts_of, message
    from pulserx.notifications.shapes import event_payload
    from pulserx.reminders.models import Dose, DoseStatus

    _redis().hincrby(RUNS_KEY, str(dose_id), 1)
    dose = Dose.objects.select_related("patient", "medication").get(pk=dose_id)
    now = timezone.now()
    dose.status = DoseStatus.NOTIFIED
    dose.reminded_at = now
    dose.alerts_sent += 1
    dose.save(update_fields=["status", "reminded_at", "alerts_sent"])
    notification = Notification.objects.create(
        recipient_id=dose.patient.user_id, patient=dose.patient, dose=dose,
        kind=NotificationKind.REMINDER, created_at=now)
    # The words come from the product's one renderer, as PulseRx's own events do.
    event = event_payload(message(notification, facts_of(dose), "", None))
    async_to_sync(get_channel_layer().group_send)(
        inbox_group(dose.patient.user_id), {"type": "inbox.event", "event": event})


@app.task(name="classic.ready")
def ready(token: str) -> None:
    """Answer the bench's readiness probe."""
    _redis().set(f"bench:classic:ready:{token}", "1", ex=600)

