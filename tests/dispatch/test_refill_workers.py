"""Refill reminders in real worker processes: a worker that dies holding them loses and
repeats nothing."""

from __future__ import annotations

import signal
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Count
from django.utils import timezone

from pulserx.accounts.models import Patient
from pulserx.dispatch.claims import claim_due_refills
from pulserx.notifications.models import Notification
from pulserx.reminders.models import Medication, RefillReminder, RefillStage, Schedule

pytestmark = pytest.mark.worker
LEASE = {"PULSERX_LEASE": "3s", "PULSERX_CLAIM_BATCH": "200"}


def wait_until(predicate, timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, message
        time.sleep(0.1)


def running_low(patient: Patient, count: int) -> list[int]:
    """`count` medications with one tablet left and a dose a day: each one's refill
    reminder (a week's warning) is due now."""
    today = timezone.localdate()
    medications = Medication.objects.bulk_create(
        [Medication(patient=patient, name=f"Medication {n}", stock=Decimal(1))
         for n in range(count)])
    Schedule.objects.bulk_create(
        [Schedule(patient=patient, medication=m, start_date=today,
                  times=[{"at": "12:00", "amount": "1"}]) for m in medications])
    now = timezone.now()
    RefillReminder.objects.bulk_create(
        [RefillReminder(patient=patient, medication=m, cycle=0, stage=RefillStage.LEAD,
                        due_at=now, next_action_at=now) for m in medications])
    return [m.pk for m in medications]


def assert_each_reminder_reached_the_inbox_once(expected: int) -> None:
    per_reminder = Notification.objects.values("refill").annotate(n=Count("id"))
    assert Notification.objects.filter(kind="refill").count() == expected
    assert {row["n"] for row in per_reminder} == {1}
    assert not RefillReminder.objects.filter(sent_at__isnull=True).exists()


def test_a_refill_reminder_claimed_by_a_worker_that_died_is_delivered_once(
        start_worker, patient: Patient) -> None:
    running_low(patient, 1)
    # The state a worker killed right after claiming leaves behind: a lease, no delivery.
    _, ids = claim_due_refills(timezone.now(), 10, timedelta(seconds=3))
    assert len(ids) == 1
    start_worker(**LEASE)
    wait_until(lambda: Notification.objects.filter(kind="refill").exists(), timeout=30,
               message="the abandoned refill reminder was never delivered")
    time.sleep(4)  # a lease more: nothing else may arrive
    assert_each_reminder_reached_the_inbox_once(1)


def test_a_worker_killed_while_delivering_refills_loses_and_repeats_nothing(
        start_worker, patient: Patient) -> None:
    count = 1500
    victim = start_worker(**LEASE)
    running_low(patient, count)
    wait_until(lambda: RefillReminder.objects.exclude(claim_token="").exists(), timeout=30,
               message="the worker never claimed a batch")
    victim.stop(signal.SIGKILL)
    assert RefillReminder.objects.exclude(claim_token="").exists(), \
        "the kill did not land inside a batch"

    start_worker(**LEASE)
    wait_until(lambda: not RefillReminder.objects.filter(sent_at__isnull=True).exists(),
               timeout=120, message="refill reminders still undelivered after the restart")
    assert_each_reminder_reached_the_inbox_once(count)
