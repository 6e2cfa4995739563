"""A slow email server holds up its own task, never the dispatcher tick."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from pulserx.notifications.models import Channel, Delivery, DeliveryStatus, Notification
from pulserx.reminders.models import Dose
from tests.support import free_port

pytestmark = pytest.mark.worker
SMTP_DELAY = 10


class SlowMailServer:
    """Accepts mail, but takes SMTP_DELAY seconds to answer DATA."""

    def __init__(self) -> None:
        self.answered_at: list[float] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        await asyncio.sleep(SMTP_DELAY)
        self.answered_at.append(time.time())
        return "250 OK"


def test_a_dose_due_during_a_slow_email_is_delivered_while_the_email_waits(start_worker,
                                                                           patient):
    patient.notify_email = True
    patient.save()
    mail = SlowMailServer()
    controller = Controller(mail, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        start_worker(EMAIL_URL=f"smtp://127.0.0.1:{controller.port}")
        now = timezone.now()
        first = Dose.objects.create(patient=patient, due_at=now + timedelta(seconds=1),
                                    next_action_at=now + timedelta(seconds=1))
        second = Dose.objects.create(patient=patient, due_at=now + timedelta(seconds=4),
                                     next_action_at=now + timedelta(seconds=4))

        deadline = time.monotonic() + 30
        while not mail.answered_at:
            assert time.monotonic() < deadline, "the slow server never got the email"
            time.sleep(0.1)
    finally:
        controller.stop()

    email_answered = mail.answered_at[0]
    reminded = Notification.objects.get(dose=second)
    # The second reminder went out while the first email was still waiting for the server.
    assert reminded.created_at.timestamp() < email_answered
    email = Delivery.objects.filter(notification__dose=first, channel=Channel.EMAIL)
    deadline = time.monotonic() + 10
    while email.get().status != DeliveryStatus.SENT:  # the slow email did get through
        assert time.monotonic() < deadline, email.get().last_error
        time.sleep(0.1)
