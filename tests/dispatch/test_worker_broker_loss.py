"""A worker whose Redis dies and comes back keeps reminding, even with a task in flight.

kombu cannot always re-establish the broker connection when unacknowledged messages are
outstanding: Celery then stops the worker "cleanly", and without a restart the dispatcher
thread stops with it. The Redis here is a private redis-server: the test kills it.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from pulserx import embedded_redis
from pulserx.celery import app
from pulserx.notifications.models import Notification
from tests.factories import due_doses

pytestmark = pytest.mark.worker


def test_a_worker_keeps_reminding_after_redis_restarts_under_a_running_task(start_worker,
                                                                            tmp_path):
    socket = tmp_path / "redis.sock"
    redis = embedded_redis.start(socket)
    broker = f"redis+socket://{socket}"
    try:
        worker = start_worker("--include=tests.dispatch.slow_tasks",
                              REDIS_URL=f"unix://{socket}", CELERY_BROKER_URL=broker)
        with app.connection_for_write(broker) as connection:
            app.send_task("tests.dispatch.slow_tasks.hold_for", (30,), connection=connection)
        worker.wait_for("hold_for", timeout=30)  # received: unacknowledged until it ends

        redis.kill()
        redis.wait()
        time.sleep(1)
        redis = embedded_redis.start(socket)
        due_doses(5, timezone.now() + timedelta(seconds=3), patients=1)

        deadline = time.monotonic() + 60
        while Notification.objects.count() < 5:
            assert time.monotonic() < deadline, f"no reminder after Redis came back:\n" \
                                                f"{worker.output[-3000:]}"
            time.sleep(0.2)
        assert worker.process.poll() is None
    finally:
        embedded_redis.stop(redis)
