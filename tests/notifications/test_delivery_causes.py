"""Each failed or skipped delivery records a cause, and the inbox says it in a sentence in
the reader's language, with the transport's technical reason kept under "Technical details".
Real failures: a push service on loopback that answers 410, an SMTP server that refuses
the recipient."""

from __future__ import annotations

import html

import pytest
from django.test import Client

from pulserx.accounts.models import Patient, User
from pulserx.notifications.models import (
    CAUSE_SENTENCES,
    Channel,
    Delivery,
    DeliveryCause,
    DeliveryStatus,
)
from pulserx.notifications.transports import TransportError
from tests.notifications.conftest import (
    REFUSED_ADDRESS,
    Mailbox,
    PushService,
    delivered,
    due_dose,
    pending_delivery,
)
from tests.support import https_client

pytestmark = pytest.mark.django_db


def inbox_of(user: User) -> str:
    client: Client = https_client()
    client.force_login(user)
    return html.unescape(client.get("/inbox/").content.decode())


def test_an_ended_push_subscription_and_a_refused_address_are_told_plainly(
        push_service: PushService, smtp_server: Mailbox, patient: Patient) -> None:
    push_service.answer = 410
    push_service.subscribe(patient.user)
    patient.notify_email = True
    patient.save()
    User.objects.filter(pk=patient.user_id).update(email=REFUSED_ADDRESS)
    dose = due_dose(patient)
    push = delivered(pending_delivery(dose, patient.user, Channel.PUSH))
    email = delivered(Delivery.objects.create(notification=push.notification,
                                              channel=Channel.EMAIL))

    assert (push.status, push.cause) == (DeliveryStatus.SKIPPED,
                                         DeliveryCause.SUBSCRIPTION_ENDED)
    assert (email.status, email.cause) == (DeliveryStatus.FAILED, DeliveryCause.ADDRESS_REFUSED)
    page = inbox_of(patient.user)
    assert ("This browser stopped accepting notifications; turn them on again on that "
            "device.") in page
    assert ("The mail server refused your email address; check it in Settings → Email "
            "address.") in page
    assert "Technical details</summary>the mail server refused the recipient's address" in page
    assert "Last error:" not in page


def test_every_cause_has_its_sentence_and_every_failure_a_cause() -> None:
    assert set(CAUSE_SENTENCES) == set(DeliveryCause)
    with pytest.raises(TypeError):
        TransportError("no cause")  # type: ignore[call-arg]
