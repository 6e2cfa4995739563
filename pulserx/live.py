"""Live events: the channel-layer group of each user, the event envelope, and publishing
through the channel layer's Redis pub/sub.

A batch of events goes out in one pipelined round trip on one connection: ~0.07 s for 10,000
events, where one `group_send` per event costs ~1.2 s. The messages are exactly what
`RedisPubSubChannelLayer.group_send` would publish, so consumers receive them unchanged.
They are packed with msgpack as the layer packs them, without loading the layer itself:
its serializer module imports cryptography's Fernet (~6 MB of worker RSS) for an
encryption PulseRx does not configure. A layer configured to encrypt or to use another
format packs its own messages.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgpack
import redis
from django.conf import settings

Event = tuple[str, dict[str, Any]]  # (group, message)


def inbox_group(user_id: int) -> str:
    """The channel-layer group that receives a user's live events: ``inbox.<user id>``."""
    return f"inbox.{user_id}"


def session_group(session_key: str) -> str:
    """The group of every WebSocket opened with one browser session."""
    return f"session.{session_key}"


def event_for(user_id: int, payload: dict[str, Any]) -> Event:
    """The envelope the consumer's `inbox_event` handler forwards: the socket gets `payload`."""
    return inbox_group(user_id), {"type": "inbox.event", "event": payload}


@dataclass(frozen=True)
class DoseChange:
    """A dose's new state, whoever made it (the dispatcher or the patient)."""

    dose_id: int
    patient_id: int
    patient_user_id: int
    status: str
    is_test: bool
    snoozed_until: datetime | None = None
    # False when the patient already hears of it another way (a reminder's own event).
    patient_hears: bool = True


def dose_events(changes: Iterable[DoseChange],
                watching: Mapping[int, list[int]]) -> list[Event]:
    """The one shape of a dose's change, for the patient and for every caregiver watching
    their day (`watching`: patient id → caregiver user ids), each in their own group. A
    test reminder is the patient's alone."""
    events: list[Event] = []
    for change in changes:
        payload = {
            "kind": "dose", "dose_id": change.dose_id, "patient_id": change.patient_id,
            "status": change.status,
            "snoozed_until": change.snoozed_until.isoformat() if change.snoozed_until else None,
        }
        audience = [change.patient_user_id] if change.patient_hears else []
        if not change.is_test:
            audience += watching.get(change.patient_id, [])
        events += [event_for(user_id, payload) for user_id in audience]
    return events


@functools.cache
def redis_client() -> redis.Redis:
    """The process's shared Redis connection pool (live events, heartbeats, pings)."""
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=5, health_check_interval=30)


def layer_config() -> dict[str, Any]:
    config: dict[str, Any] = settings.CHANNEL_LAYERS["default"]["CONFIG"]  # type: ignore[assignment]
    return config


def group_channel(group: str) -> str:
    return f"{layer_config().get('prefix', 'asgi')}__group__{group}"


@functools.cache
def serializer() -> Callable[[dict[str, Any]], bytes]:
    """How the channel layer packs a message: plain msgpack unless it is configured otherwise."""
    config = layer_config()
    if config.get("symmetric_encryption_keys") or config.get("serializer_format",
                                                              "msgpack") != "msgpack":
        from channels.layers import get_channel_layer

        layer = get_channel_layer()
        assert layer is not None
        return layer.serialize  # type: ignore[no-any-return]
    return msgpack.packb  # type: ignore[no-any-return]


def publish(events: Iterable[Event]) -> int:
    """Publish `events` in one round trip; return how many were published."""
    pack = serializer()
    pipe = redis_client().pipeline(transaction=False)
    count = 0
    for group, message in events:
        pipe.publish(group_channel(group), pack(message))
        count += 1
    if count:
        pipe.execute()
    return count


def publish_quietly(events: list[Event]) -> None:
    """Publish after a committed change. If Redis is away only the live push is lost: the
    page reconciles on its next (re)connect."""
    with contextlib.suppress(Exception):
        publish(events)
