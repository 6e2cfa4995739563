"""Slow channels as thin Celery tasks: delivery ids in, one attempt each, state in the row.

Each channel has its own queue and a task holds deliveries of one channel only, so a push
never waits in line behind emails. Email may occupy at most PULSERX_EMAIL_THREADS of the
worker's threads: a chunk that finds them all busy goes back to its rows (due again shortly,
re-sent by the dispatcher) instead of taking the last free thread.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from pulserx.notifications.models import Channel, Delivery, DeliveryStatus
from pulserx.notifications.sending import attempt_delivery

QUEUES = {Channel.EMAIL: "email", Channel.PUSH: "push"}
# How soon a chunk turned away by a full email lane is due again.
LANE_FULL_RETRY = timedelta(seconds=15)
_lanes = {Channel.EMAIL: threading.BoundedSemaphore(settings.PULSERX_EMAIL_THREADS)}


@shared_task(acks_late=True, ignore_result=True)
def send_deliveries(delivery_ids: list[int], channel: str = "") -> None:
    lane = _lanes.get(channel)  # type: ignore[call-overload]
    if lane is not None and not lane.acquire(blocking=False):
        Delivery.objects.filter(pk__in=delivery_ids, status=DeliveryStatus.PENDING).update(
            next_attempt_at=timezone.now() + LANE_FULL_RETRY)
        return
    try:
        for delivery_id in delivery_ids:
            attempt_delivery(delivery_id)
    finally:
        if lane is not None:
            lane.release()


def enqueue_deliveries(pending: Iterable[tuple[int, str]]) -> None:
    """Send (delivery id, channel) pairs to their channel's queue, a chunk per task."""
    by_channel: dict[str, list[int]] = defaultdict(list)
    for delivery_id, channel in pending:
        by_channel[channel].append(delivery_id)
    chunk = settings.PULSERX_DELIVERY_CHUNK
    for channel, ids in by_channel.items():
        queue = QUEUES.get(channel)  # type: ignore[call-overload]
        for start in range(0, len(ids), chunk):
            send_deliveries.apply_async((ids[start:start + chunk], channel), queue=queue)
