"""Operational tasks: proof that a worker is consuming."""

from __future__ import annotations

from celery import shared_task

from pulserx.live import redis_client

PING_KEY = "pulserx:ping:{token}"


@shared_task(acks_late=True, ignore_result=True)
def ping(token: str) -> None:
    """Answer a `doctor` (or test) ping: a worker picked this up and ran it."""
    redis_client().set(PING_KEY.format(token=token), "pong", ex=300)
