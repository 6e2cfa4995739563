"""Slow channels as thin Celery tasks: delivery ids in, one attempt each, state in the row.

Each channel has its own queue and a task holds deliveries of one channel only, so a push
never waits in line behind emails. Email may occupy at most PULSERX_EMAIL_THREADS of the
worker's threads, a user's own channels (one "channels" queue) PULSERX_CHANNEL_THREADS: a
chunk that finds its lane full goes back to its rows (due again shortly, re-sent by the
dispatcher) instead of taking the last free thread.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import Q

from pulserx.notifications.models import Channel, Delivery, DeliveryStatus
from pulserx.notifications.sending import attempt_delivery, preload
from pulserx.reminders.clock import database_now

# A user's own channels (Apprise services, MQTT) share one queue and a lane of threads: a
# slow SMS provider never delays a push or an email.
QUEUES = {Channel.EMAIL: "email", Channel.PUSH: "push", Channel.SERVICE: "channels",
          Channel.MQTT: "channels"}
# How soon a chunk turned away by a full lane is due again. A user's channels are quick
# (their wave is split into one chunk per lane, see `chunks_for`), so their lane frees soon.
LANE_FULL_RETRY = {Channel.EMAIL: timedelta(seconds=15), Channel.SERVICE: timedelta(seconds=2),
                   Channel.MQTT: timedelta(seconds=2)}
_channel_lane = threading.BoundedSemaphore(settings.PULSERX_CHANNEL_THREADS)
_lanes = {Channel.EMAIL: threading.BoundedSemaphore(settings.PULSERX_EMAIL_THREADS),
          Channel.SERVICE: _channel_lane, Channel.MQTT: _channel_lane}


@shared_task(acks_late=True, ignore_result=True)
def send_deliveries(deliveries: list[list[int] | int], channel: str = "") -> None:
    """[delivery id, attempts made when enqueued] pairs (a bare id: from an older worker).
    The count travels with the task so that two tasks for one attempt (the first waited in
    the queue past its lease and the delivery was enqueued again) send it once: the second
    finds the count moved on."""
    pairs = [(item, None) if isinstance(item, int) else (item[0], item[1])
             for item in deliveries]
    lane = _lanes.get(channel)  # type: ignore[call-overload]
    if lane is not None and not lane.acquire(blocking=False):
        Delivery.objects.filter(pk__in=[pk for pk, _ in pairs],
                                status=DeliveryStatus.PENDING).update(
            next_attempt_at=database_now() + LANE_FULL_RETRY[channel])  # type: ignore[index]
        return
    try:
        loaded = preload([pk for pk, _ in pairs])
        for delivery_id, attempts in pairs:
            if delivery_id in loaded:
                attempt_delivery(delivery_id, expected_attempts=attempts,
                                 loaded=loaded[delivery_id])
    finally:
        if lane is not None:
            lane.release()


def enqueue_deliveries(pending: Iterable[tuple[int, str, int]]) -> None:
    """Send (delivery id, channel, attempts made) rows to their channel's queue, a chunk
    per task."""
    by_channel: dict[str, list[list[int]]] = defaultdict(list)
    for delivery_id, channel, attempts in pending:
        by_channel[channel].append([delivery_id, attempts])
    for channel, ids in by_channel.items():
        queue = QUEUES.get(channel)  # type: ignore[call-overload]
        chunk = chunk_size(channel, len(ids))
        for start in range(0, len(ids), chunk):
            send_deliveries.apply_async((ids[start:start + chunk], channel), queue=queue)


def chunk_size(channel: str, count: int) -> int:
    """Deliveries per task. A wave for a user's channels is split over the lane's threads
    (up to CHANNEL_CHUNKS_MAX chunks' worth each), not into more tasks than the lane can
    run at once: the rest would be turned away and wait."""
    chunk = settings.PULSERX_DELIVERY_CHUNK
    if channel in (Channel.SERVICE, Channel.MQTT):
        per_lane = -(-count // settings.PULSERX_CHANNEL_THREADS)
        return max(chunk, min(per_lane, chunk * CHANNEL_CHUNKS_MAX))
    return chunk


CHANNEL_CHUNKS_MAX = 4


@shared_task(acks_late=True, ignore_result=True)
def read_matrix_replies() -> None:
    """Read the Matrix rooms that have a reminder still to be answered, and answer "1" /
    "2" there (channels.matrix_replies). It runs in the channels' lane: when the lane is
    full it does nothing, and the next run (PULSERX_MATRIX_REPLY_SECONDS later) reads."""
    if not _channel_lane.acquire(blocking=False):
        return
    try:
        from pulserx.notifications.channels.matrix_replies import read_all_rooms

        read_all_rooms(database_now())
    finally:
        _channel_lane.release()


def ask_for_matrix_replies() -> bool:
    """Queue one `read_matrix_replies` on the channels queue, unless a worker did in the
    last PULSERX_MATRIX_REPLY_SECONDS (one Redis SET NX: many workers, one read)."""
    from pulserx.live import redis_client

    period = settings.PULSERX_MATRIX_REPLY_SECONDS
    if not redis_client().set("pulserx:matrix-replies", "1", nx=True, ex=max(period - 1, 1)):
        return False
    read_matrix_replies.apply_async(queue=QUEUES[Channel.SERVICE])
    return True


@shared_task(acks_late=True, ignore_result=True)
def publish_dose_state(channel_ids: list[int], dose_id: int) -> None:
    """A recorded dose as the retained state of the users' Home Assistant channels."""
    from pulserx.notifications.transports.mqtt import publish_recorded

    publish_recorded(channel_ids, dose_id)


def dose_state_changed(sender: object, dose: Any, **kwargs: object) -> None:
    """`dose_recorded`: tell the Home Assistant (MQTT) channels of the patient and of the
    givers who were reminded of the dose, once the record is committed. Ids only travel; a
    failure leaves the state as it was, as a lost live event does (the next reminder's
    state replaces it)."""
    from pulserx.notifications.models import (
        Notification,
        NotificationKind,
        Service,
        UserChannel,
    )

    givers = Notification.objects.filter(dose_id=dose.pk, kind=NotificationKind.GIVER_REMINDER
                                         ).values("recipient_id")
    ids = list(UserChannel.objects.filter(
        Q(user_id=dose.patient.user_id) | Q(user_id__in=givers), service=Service.MQTT,
        paused=False).values_list("pk", flat=True))
    if ids:
        transaction.on_commit(lambda: publish_dose_state.apply_async(
            (ids, dose.pk), queue=QUEUES[Channel.MQTT]))
