"""One attempt at one delivery: claim the attempt, send, record the outcome.

Retries are not Celery retries (those wait in worker memory with a countdown): a failed
attempt writes `next_attempt_at` with backoff and the dispatcher sends it again then.
"""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F

from pulserx.notifications.inbox import RENDER_RELATED
from pulserx.notifications.models import Channel, Delivery, DeliveryCause, DeliveryStatus
from pulserx.notifications.transports import TransportError, transport_for
from pulserx.reminders.clock import database_now

logger = logging.getLogger("pulserx.delivery")


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, … capped at 1 h, with ±20 % jitter so retries do not bunch."""
    seconds = min(30 * 2 ** max(attempts - 1, 0), 3600)
    return timedelta(seconds=seconds * random.uniform(0.8, 1.2))


def lease_for(channel: str) -> timedelta:
    """How long a queued attempt is its task's: a user's channels have a lease of their own
    (a slow SMS provider may take longer than a push service)."""
    if channel in (Channel.SERVICE, Channel.MQTT):
        return settings.PULSERX_CHANNEL_LEASE
    return settings.PULSERX_DELIVERY_LEASE


def claim_attempt(delivery: Delivery, now: datetime) -> bool:
    """Take the next attempt of `delivery`; False when another run already took it or it
    is no longer pending (so a redelivered task never sends twice)."""
    return bool(
        Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING,
                                attempts=delivery.attempts)
        .update(attempts=F("attempts") + 1,
                next_attempt_at=now + lease_for(delivery.channel))
    )


def preload(delivery_ids: list[int]) -> dict[int, Delivery]:
    """The pending deliveries of a chunk with their notifications ready to render, in one
    query: one wide query per delivery costs more than sending a channel message. What is
    read here is checked again when each is sent (`claim_attempt`, the dose's status)."""
    related = [f"notification__{path}" for path in RENDER_RELATED]
    return {d.pk: d for d in Delivery.objects.filter(
        pk__in=delivery_ids, status=DeliveryStatus.PENDING).select_related(
        "notification", *related)}


def attempt_delivery(delivery_id: int, expected_attempts: int | None = None,
                     loaded: Delivery | None = None) -> None:
    """Make the next attempt at a pending delivery (`loaded`: as `preload` read it). With
    `expected_attempts` (what the enqueuer saw), do nothing if another task has taken an
    attempt since: it is sending."""
    delivery = loaded or Delivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING).first()
    if delivery is None or expected_attempts not in (None, delivery.attempts):
        return
    now = database_now()
    if not claim_attempt(delivery, now):
        return
    attempts = delivery.attempts + 1
    try:
        transport_for(delivery.channel).send(delivery)
    except TransportError as error:
        record_failure(delivery, attempts, error)
        return
    except Exception as error:  # a bug or an unforeseen library error: retry, then give up
        logger.exception("delivery %s via %s raised unexpectedly", delivery.pk, delivery.channel)
        record_failure(delivery, attempts, TransportError(f"unexpected {type(error).__name__}",
                                                          cause=DeliveryCause.OURS))
        return
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENT, sent_at=database_now(), next_attempt_at=None, last_error="",
        cause="")


def record_failure(delivery: Delivery, attempts: int, error: TransportError) -> None:
    final = error.permanent or attempts >= settings.PULSERX_DELIVERY_MAX_ATTEMPTS
    logger.warning("delivery %s via %s failed (attempt %d, %s): %s", delivery.pk,
                   delivery.channel, attempts, "final" if final else "will retry", error.reason)
    Delivery.objects.filter(pk=delivery.pk).update(
        status=error.status if final else DeliveryStatus.PENDING,
        next_attempt_at=None if final else database_now() + backoff(attempts),
        last_error=error.reason[:300], cause=error.cause,
    )
