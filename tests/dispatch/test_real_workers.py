"""The dispatcher inside real worker processes, against the real database and Redis."""

from __future__ import annotations

import asyncio
import signal
import time
from datetime import time as dt_time
from datetime import timedelta

import pytest
from channels.layers import get_channel_layer
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from pulserx.live import inbox_group
from pulserx.notifications.models import Notification
from pulserx.reminders import actions
from pulserx.reminders.models import Dose, DoseStatus
from tests import factories as make

pytestmark = pytest.mark.worker


async def receive_events(group: str, seconds: float) -> list[dict]:
    """Join `group` on the channel layer and collect what arrives for `seconds`."""
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(group, channel)
    events = []
    deadline = asyncio.get_running_loop().time() + seconds
    try:
        while (left := deadline - asyncio.get_running_loop().time()) > 0:
            try:
                message = await asyncio.wait_for(layer.receive(channel), timeout=left)
            except TimeoutError:
                break
            events.append(message)
    finally:
        await layer.group_discard(group, channel)
    return events


def wait_until(predicate, timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, message
        time.sleep(0.1)


def assert_each_dose_has_one_notification(expected: int) -> None:
    per_dose = Notification.objects.values("dose").annotate(n=Count("id"))
    assert Notification.objects.count() == expected
    assert {row["n"] for row in per_dose} == {1}
    assert Notification.objects.values("dose").distinct().count() == expected


def test_a_dose_due_in_two_seconds_reaches_the_inbox_and_the_group_once(start_worker, patient):
    start_worker()
    dose = actions.send_test_reminder(patient)  # due in a few seconds
    Dose.objects.filter(pk=dose.pk).update(
        due_at=timezone.now() + timedelta(seconds=2),
        next_action_at=timezone.now() + timedelta(seconds=2))
    due_at = Dose.objects.get(pk=dose.pk).due_at

    events = asyncio.run(receive_events(inbox_group(patient.user_id), seconds=5))

    notifications = [e["event"] for e in events if e["event"]["kind"] == "notification"]
    assert len(notifications) == 1, events
    assert notifications[0]["dose_id"] == dose.pk
    assert notifications[0]["title"] == "Test reminder"
    notification = Notification.objects.get()
    assert notification.dose_id == dose.pk and notification.pk == notifications[0]["id"]
    assert notification.created_at - due_at < timedelta(seconds=2)


def test_two_workers_never_deliver_the_same_dose(start_worker):
    count = 20_000 if connection.vendor == "postgresql" else 2_000
    workers = [start_worker(PULSERX_CLAIM_BATCH="500") for _ in range(2)]
    make.due_doses(count, timezone.now())

    wait_until(lambda: not Dose.objects.filter(status=DoseStatus.SCHEDULED).exists(),
               timeout=120, message="doses still undelivered")

    assert_each_dose_has_one_notification(count)
    assert Dose.objects.filter(status=DoseStatus.NOTIFIED).count() == count
    # Which worker won how many batches depends on scheduling; shown, not asserted.
    for number, worker in enumerate(workers, 1):
        print(f"worker {number}: {sum('delivered' in line for line in worker.lines)} batches")


def test_a_worker_killed_mid_batch_loses_and_repeats_nothing(start_worker):
    count = 20_000 if connection.vendor == "postgresql" else 4_000
    lease = {"PULSERX_LEASE": "3s", "PULSERX_CLAIM_BATCH": "1000"}
    victim = start_worker(**lease)
    make.due_doses(count, timezone.now())

    def some_claimed() -> bool:
        return Dose.objects.exclude(claim_token="").exists()

    wait_until(some_claimed, timeout=30, message="the worker never claimed a batch")
    victim.stop(signal.SIGKILL)
    claimed_at_kill = Dose.objects.exclude(claim_token="").count()
    assert claimed_at_kill > 0, "the kill did not land inside a batch"

    start_worker(**lease)
    wait_until(lambda: not Dose.objects.exclude(status=DoseStatus.NOTIFIED).exists(),
               timeout=120, message="doses still undelivered after the restart")

    assert_each_dose_has_one_notification(count)
    assert not Dose.objects.exclude(claim_token="").exists()


def test_pausing_a_second_before_a_dose_stops_its_reminder(start_worker, patient):
    tomorrow = timezone.localdate() + timedelta(days=1)
    medication = make.medication(patient, dt_time(12), start=tomorrow)
    due_at = timezone.now() + timedelta(seconds=3)
    Dose.objects.create(patient=patient, medication=medication, due_at=due_at,
                        next_action_at=due_at)
    start_worker()

    time.sleep(max(0.0, (due_at - timezone.now()).total_seconds() - 1))
    actions.set_paused(medication, True)
    time.sleep(3)

    assert Notification.objects.count() == 0
    assert Dose.objects.get().status == DoseStatus.SCHEDULED
