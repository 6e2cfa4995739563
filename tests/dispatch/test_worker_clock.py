"""The dispatcher thread keeps time by the database, whatever the worker machine's clock says.

time-machine steps this process's wall clock the way an NTP step (or a drifting VM) moves a
worker's; PostgreSQL's clock is the one every worker shares. SQLite has no clock of its own
(it runs on the worker's machine), so these run on PostgreSQL only.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from pulserx.dispatch.worker import TickThread
from pulserx.notifications.models import Notification
from pulserx.reminders.models import Dose, DoseStatus
from tests.factories import due_doses

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="SQLite shares the worker machine's clock"),
]


def test_a_worker_whose_clock_runs_an_hour_fast_reminds_nobody_early():
    due_doses(3, timezone.now() + timedelta(minutes=30), patients=1)

    with time_machine.travel(timezone.now() + timedelta(hours=1), tick=True):
        TickThread().tick_once()

    assert not Notification.objects.exists()
    assert set(Dose.objects.values_list("status", flat=True)) == {DoseStatus.SCHEDULED}


def test_a_worker_whose_clock_runs_an_hour_slow_still_reminds_on_time():
    due_doses(3, timezone.now() - timedelta(seconds=1), patients=1)

    with time_machine.travel(timezone.now() - timedelta(hours=1), tick=True):
        report = TickThread().tick_once()

    assert report.reminded == 3
    assert Notification.objects.count() == 3
    assert not Dose.objects.filter(late=True).exists()
