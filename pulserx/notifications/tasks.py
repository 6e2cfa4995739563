"""Slow channels as thin Celery tasks: delivery ids in, one attempt each, state in the row."""

from __future__ import annotations

from celery import shared_task

from pulserx.notifications.sending import attempt_delivery


@shared_task(acks_late=True, ignore_result=True)
def send_deliveries(delivery_ids: list[int]) -> None:
    for delivery_id in delivery_ids:
        attempt_delivery(delivery_id)
