"""A burst of several batches is drained by the tick thread and a helper thread together
(PostgreSQL): every dose is reminded exactly once, each thread on its own connection."""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import timezone

from pulserx.dispatch.tick import tick
from pulserx.notifications.models import Notification
from pulserx.reminders.models import Dose, DoseStatus
from tests import factories as make

pytestmark = pytest.mark.django_db(transaction=True)


class Helper(ThreadPoolExecutor):
    """A real one-thread executor that remembers what it was given and who ran it."""

    def __init__(self) -> None:
        super().__init__(max_workers=1, thread_name_prefix="helper")
        self.futures: list[Future[Any]] = []
        self.threads: set[str] = set()

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        def run() -> Any:
            self.threads.add(threading.current_thread().name)
            return fn(*args, **kwargs)

        future = super().submit(run)
        self.futures.append(future)
        return future


def test_a_burst_is_drained_by_two_threads_exactly_once(settings):
    settings.PULSERX_CLAIM_BATCH = 20
    now = timezone.now()
    ids = make.due_doses(207, now - timedelta(seconds=1), patients=30)
    helper = Helper()
    try:
        report = tick(now, helper)
    finally:
        helper.submit(connections.close_all).result()  # the helper thread's connection
        helper.shutdown()

    assert report.reminded == len(ids)
    assert Dose.objects.filter(status=DoseStatus.NOTIFIED).count() == len(ids)
    per_dose = Notification.objects.values_list("dose_id", flat=True)
    assert sorted(per_dose) == sorted(ids)
    if connection.vendor == "postgresql":
        (drained,) = [f.result() for f in helper.futures[:1]]
        assert 0 < drained.reminded < len(ids)  # both threads delivered part of the burst
        assert helper.threads == {"helper_0"}
    else:  # SQLite serialises writers: one thread drains it all
        assert helper.futures[1:] == [] and len(helper.futures) == 1


def test_a_single_batch_does_not_wake_the_helper(settings):
    settings.PULSERX_CLAIM_BATCH = 20
    now = timezone.now()
    make.due_doses(7, now - timedelta(seconds=1), patients=3)
    helper = Helper()
    try:
        report = tick(now, helper)
    finally:
        helper.shutdown()
    assert report.reminded == 7
    assert helper.futures == []
