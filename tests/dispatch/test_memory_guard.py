"""The worker's own memory guard: past its RSS budget it finishes, restarts, loses nothing."""

from __future__ import annotations

import json
import time

import pytest
from django.db.models import Count
from django.utils import timezone

from pulserx.dispatch.worker import HEARTBEAT_KEY
from pulserx.live import redis_client
from pulserx.notifications.models import Notification
from pulserx.reminders.models import Dose, DoseStatus
from tests import factories as make
from tests.dispatch.leaky_tasks import hoard_memory

pytestmark = pytest.mark.worker


def test_a_leaking_task_trips_the_guard_and_the_worker_comes_back(start_worker):
    worker = start_worker("--include=tests.dispatch.leaky_tasks",
                          PULSERX_WORKER_MAX_RSS_MB="160", PULSERX_LEASE="3s",
                          PULSERX_CLAIM_BATCH="200")
    pid = worker.process.pid
    make.due_doses(2000, timezone.now(), patients=20)

    hoard_memory.delay(200)

    worker.wait_for("memory guard: RSS", timeout=30)
    tripped_at = next(i for i, line in enumerate(worker.lines) if "memory guard: RSS" in line)
    worker.wait_for("ready", timeout=60, after=tripped_at)  # the re-executed worker
    deadline = time.monotonic() + 90
    while Dose.objects.exclude(status=DoseStatus.NOTIFIED).exists():
        assert time.monotonic() < deadline, worker.output
        time.sleep(0.2)

    assert worker.process.poll() is None and worker.process.pid == pid  # re-executed in place
    per_dose = Notification.objects.values("dose").annotate(n=Count("id"))
    assert Notification.objects.count() == 2000 and {row["n"] for row in per_dose} == {1}
    time.sleep(1.5)
    heartbeat = json.loads(redis_client().get(HEARTBEAT_KEY))
    assert heartbeat["rss_mb"] < 160, "the restarted worker should be back under budget"
