"""A push never waits behind emails: each slow channel has its own queue, a task holds one
channel only, and email never takes the worker's last free thread.

A real `manage.py worker`, a real SMTP server on loopback that takes 10 s to accept each
email, and a real push service on loopback that decrypts what it receives.
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.utils import timezone

from pulserx.accounts.models import Patient
from pulserx.notifications.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    Notification,
    NotificationKind,
)
from tests.notifications.conftest import PushService, due_dose
from tests.support import free_port

pytestmark = pytest.mark.worker
SMTP_DELAY = 10
EMAILS = 20


class SlowMailServer:
    """Accepts mail, but takes SMTP_DELAY seconds to answer DATA."""

    def __init__(self) -> None:
        self.started = 0
        self.answered = 0

    async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]
        self.started += 1
        await asyncio.sleep(SMTP_DELAY)
        self.answered += 1
        return "250 OK"


def pending(patient: Patient, channel: Channel, count: int, due_at, first: int = 0) -> None:  # type: ignore[no-untyped-def]
    """`count` reminders of one dose, each with a delivery on `channel` due at `due_at`."""
    dose = due_dose(patient)
    for sequence in range(first, first + count):
        notification = Notification.objects.create(
            recipient=patient.user, patient=patient, dose=dose, sequence=sequence,
            kind=NotificationKind.REMINDER, created_at=timezone.now())
        Delivery.objects.create(notification=notification, channel=channel,
                                next_attempt_at=due_at)


def wait_for_pushes(push_service: PushService, count: int) -> None:
    deadline = time.monotonic() + 15
    while len(push_service.received) < count:
        assert time.monotonic() < deadline, "the push never arrived"
        time.sleep(0.02)


@pytest.mark.parametrize("chunk", [1, 20], ids=["one email per task", "20 emails per task"])
def test_a_push_due_with_20_slow_emails_is_sent_within_2_seconds(
        start_worker, patient: Patient, push_service: PushService, vapid: dict[str, str],
        chunk: int) -> None:
    patient.notify_email = patient.notify_push = True
    patient.save()
    push_service.subscribe(patient.user)
    mail = SlowMailServer()
    controller = Controller(mail, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        start_worker(EMAIL_URL=f"smtp://127.0.0.1:{controller.port}",
                     PULSERX_DELIVERY_CHUNK=str(chunk),
                     # The loopback push service, pinned by host and port.
                     PULSERX_PUSH_SERVICE_HOSTS=push_service.origin.removeprefix("https://"),
                     VAPID_PUBLIC_KEY=vapid["VAPID_PUBLIC_KEY"],
                     VAPID_PRIVATE_KEY=vapid["VAPID_PRIVATE_KEY"],
                     VAPID_SUBJECT=settings.VAPID_SUBJECT)
        # A running worker has long imported the Web Push stack (it loads on first use);
        # one push first, so the race below measures the queues, not that import.
        pending(patient, Channel.PUSH, 1, timezone.now())
        wait_for_pushes(push_service, 1)
        due_at = timezone.now() + timedelta(seconds=2)
        pending(patient, Channel.EMAIL, EMAILS, due_at, first=1)
        pending(patient, Channel.PUSH, 1, due_at, first=EMAILS + 1)

        wait_for_pushes(push_service, 2)
        pushed_at = timezone.now()
        emails_answered = mail.answered
    finally:
        controller.stop()

    assert (pushed_at - due_at).total_seconds() < 2
    push = push_service.received[1]
    assert push.problems == [] and push.payload is not None
    assert emails_answered < EMAILS  # the emails were still waiting on the slow server
    push_delivery = Delivery.objects.get(channel=Channel.PUSH,
                                         notification__sequence=EMAILS + 1)
    deadline = time.monotonic() + 5
    while push_delivery.status != DeliveryStatus.SENT:
        assert time.monotonic() < deadline, push_delivery.last_error
        time.sleep(0.05)
        push_delivery.refresh_from_db()
