"""Two tasks for one delivery send it once.

A delivery's first task can wait in the queue past its lease (a busy worker, many tasks);
the dispatcher then enqueues the delivery again. If the second task starts while the first
is sending, it must not make an attempt of its own: the patient would get the email twice.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from pulserx.accounts.models import Patient
from pulserx.notifications.models import Channel, Delivery, DeliveryStatus
from pulserx.notifications.sending import claim_attempt
from pulserx.notifications.tasks import send_deliveries
from tests.notifications.conftest import Mailbox, due_dose, pending_delivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def emailed(patient: Patient) -> Patient:
    patient.notify_email = True
    patient.save()
    return patient


def test_a_second_task_for_a_delivery_being_sent_sends_nothing(smtp_server: Mailbox,
                                                               emailed: Patient) -> None:
    delivery = pending_delivery(due_dose(emailed), emailed.user, Channel.EMAIL)
    assert claim_attempt(delivery, timezone.now())  # the first task is sending it now

    send_deliveries([[delivery.pk, 0]])  # the copy enqueued when the first lease ran out

    assert smtp_server.envelopes == []
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and delivery.status == DeliveryStatus.PENDING


def test_a_retry_enqueued_after_a_failed_attempt_is_sent(smtp_server: Mailbox,
                                                         emailed: Patient) -> None:
    delivery = pending_delivery(due_dose(emailed), emailed.user, Channel.EMAIL)
    Delivery.objects.filter(pk=delivery.pk).update(attempts=1, last_error="timed out")

    send_deliveries([[delivery.pk, 1]])

    assert len(smtp_server.envelopes) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 2
