"""Publishing live events to browsers through the channel layer's Redis pub/sub.

A batch of events goes out in one pipelined round trip on one connection: ~0.07 s for 10,000
events, where one `group_send` per event costs ~1.2 s. The messages are exactly what
`RedisPubSubChannelLayer.group_send` would publish, so consumers receive them unchanged.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import redis
from channels.layers import get_channel_layer
from django.conf import settings

Event = tuple[str, dict[str, Any]]  # (group, message)


@dataclass(frozen=True)
class DoseChange:
    """A dose's new state, as the pages hear of it."""

    dose_id: int
    patient_id: int
    patient_user_id: int
    status: str
    is_test: bool
    snoozed_until: str | None = None  # ISO 8601
    # False when the patient already hears of it another way (a reminder's own event).
    patient_hears: bool = True


@functools.cache
def redis_client() -> redis.Redis:
    """The process's shared Redis connection pool (live events, heartbeats, pings)."""
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=5, health_check_interval=30)


def group_channel(group: str) -> str:
    config: dict[str, Any] = settings.CHANNEL_LAYERS["default"]["CONFIG"]  # type: ignore[assignment]
    prefix = config.get("prefix", "asgi")
    return f"{prefix}__group__{group}"


def publish(events: Iterable[Event]) -> int:
    """Publish `events` in one round trip; return how many were published."""
    layer = get_channel_layer()
    assert layer is not None
    pipe = redis_client().pipeline(transaction=False)
    count = 0
    for group, message in events:
        pipe.publish(group_channel(group), layer.serialize(message))
        count += 1
    if count:
        pipe.execute()
    return count


def dose_events(changes: list[DoseChange]) -> list[Event]:
    """The live event of each dose change, for the patient and every caregiver watching
    their day (each in their own inbox group). A test reminder is the patient's alone."""
    from pulserx.accounts.care import caregivers_watching
    from pulserx.notifications.models import inbox_group

    watching = caregivers_watching({c.patient_id for c in changes if not c.is_test})
    events: list[Event] = []
    for change in changes:
        payload = {"kind": "dose", "dose_id": change.dose_id, "patient_id": change.patient_id,
                   "status": change.status, "snoozed_until": change.snoozed_until}
        message = {"type": "inbox.event", "event": payload}
        audience = [change.patient_user_id] if change.patient_hears else []
        if not change.is_test:
            audience += watching.get(change.patient_id, [])
        events += [(inbox_group(user_id), message) for user_id in audience]
    return events
