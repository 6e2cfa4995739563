from __future__ import annotations

import secrets
import time

from pulserx.live import redis_client
from pulserx.ops.tasks import PING_KEY, ping


def test_a_real_worker_consumes_a_task_from_redis(start_worker):
    worker = start_worker()
    token = secrets.token_hex(8)

    ping.delay(token)

    deadline = time.monotonic() + 15
    while redis_client().get(PING_KEY.format(token=token)) is None:
        assert time.monotonic() < deadline, worker.output
        time.sleep(0.05)
    worker.wait_for("pulserx.ops.tasks.ping")
    assert "ready" in worker.output
