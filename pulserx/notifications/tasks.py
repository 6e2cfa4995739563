"""Slow channels as thin Celery tasks: delivery ids in, one attempt each, state in the row."""

from __future__ import annotations

from celery import shared_task

from pulserx.notifications.sending import attempt_delivery


@shared_task(acks_late=True, ignore_result=True)
def send_deliveries(deliveries: list[list[int] | int]) -> None:
    """[delivery id, attempts made when enqueued] pairs (a bare id: from an older worker)."""
    for item in deliveries:
        if isinstance(item, int):
            attempt_delivery(item)
        else:
            attempt_delivery(item[0], expected_attempts=item[1])
