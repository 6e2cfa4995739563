"""A task that keeps a message unacknowledged for a while, imported only by tests' workers."""

from __future__ import annotations

import time

from celery import shared_task


@shared_task(acks_late=True, ignore_result=True)
def hold_for(seconds: float) -> None:
    time.sleep(seconds)
