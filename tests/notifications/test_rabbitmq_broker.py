"""A real worker with RabbitMQ as its Celery broker: the email and push tasks the dispatcher
sends travel through AMQP, while Redis stays the channel layer (live events, heartbeat).

Each run gets a virtual host of its own on the shared RabbitMQ, so parallel runs never see
each other's queues, and deletes it afterwards.
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from pulserx.live import redis_client
from pulserx.notifications.models import Channel, Delivery, DeliveryStatus
from pulserx.reminders.models import Dose, Medication
from tests.notifications.conftest import Mailbox, PushService

pytestmark = pytest.mark.worker
RABBITMQ = "127.0.0.1:5672"
HEARTBEAT_KEY = "pulserx:dispatcher:heartbeat"


def rabbitmqctl(*args: str) -> str:
    if shutil.which("rabbitmqctl") is None:
        raise RuntimeError("rabbitmqctl is not installed; .ci/run installs and starts RabbitMQ")
    out = subprocess.run(["rabbitmqctl", *args], capture_output=True, text=True, timeout=60)
    if out.returncode:
        raise RuntimeError(f"rabbitmqctl {' '.join(args)} failed: {out.stderr or out.stdout}")
    return out.stdout


@pytest.fixture
def amqp_url() -> Iterator[str]:
    """A fresh virtual host on the local RabbitMQ, deleted with everything in it afterwards."""
    vhost = f"pulserx-test-{secrets.token_hex(6)}"
    rabbitmqctl("add_vhost", vhost)
    try:
        rabbitmqctl("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*")
        yield f"amqp://guest:guest@{RABBITMQ}/{vhost}"
    finally:
        rabbitmqctl("delete_vhost", vhost)


def queues(vhost: str) -> dict[str, int]:
    listing = rabbitmqctl("list_queues", "-p", vhost, "-q", "--no-table-headers", "name",
                          "messages")
    return {name: int(count) for name, count in
            (line.split() for line in listing.splitlines() if line.strip())}


def wait_until_sent(delivery: Delivery, timeout: float = 30) -> Delivery:
    deadline = time.monotonic() + timeout
    while True:
        delivery.refresh_from_db()
        if delivery.status == DeliveryStatus.SENT:
            return delivery
        assert time.monotonic() < deadline, f"{delivery.channel}: {delivery.last_error!r}"
        time.sleep(0.1)


def test_email_and_push_tasks_flow_through_rabbitmq_while_redis_carries_live_events(
        start_worker, patient, push_service: PushService, smtp_server: Mailbox, settings,
        amqp_url: str) -> None:
    patient.notify_email = patient.notify_push = True
    patient.save()
    push_service.subscribe(patient.user)
    medication = Medication.objects.create(patient=patient, name="Metformin", strength="500 mg",
                                           stock=Decimal(30))
    worker = start_worker(
        CELERY_BROKER_URL=amqp_url,
        EMAIL_URL=f"smtp://{settings.EMAIL_HOST}:{settings.EMAIL_PORT}",
        VAPID_PUBLIC_KEY=settings.VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY=settings.VAPID_PRIVATE_KEY,
        VAPID_SUBJECT=settings.VAPID_SUBJECT,
        PULSERX_PUSH_SERVICE_HOSTS=",".join(settings.PULSERX_PUSH_SERVICE_HOSTS))
    vhost = amqp_url.rsplit("/", 1)[1]
    assert f"amqp://guest:**@{RABBITMQ}/{vhost}" in worker.output

    pubsub = redis_client().pubsub(ignore_subscribe_messages=True)
    pubsub.psubscribe(f"*inbox.{patient.user_id}")
    now = timezone.now()
    dose = Dose.objects.create(patient=patient, medication=medication, amount=Decimal(1),
                               due_at=now + timedelta(seconds=1),
                               next_action_at=now + timedelta(seconds=1))

    event = None
    deadline = time.monotonic() + 20
    while event is None:
        assert time.monotonic() < deadline, f"no live event on Redis:\n{worker.output}"
        event = pubsub.get_message(timeout=0.5)
    pubsub.close()
    email = wait_until_sent(Delivery.objects.get(notification__dose=dose, channel=Channel.EMAIL))
    push = wait_until_sent(Delivery.objects.get(notification__dose=dose, channel=Channel.PUSH))

    assert email.attempts == push.attempts == 1
    [envelope] = smtp_server.envelopes
    assert envelope.rcpt_tos == [patient.user.email]
    [received] = push_service.received
    assert received.problems == [] and received.payload is not None
    assert received.payload["dose_id"] == dose.pk
    worker.wait_for("send_deliveries")  # the task ran in this worker, taken off RabbitMQ
    # The broker's queue exists in our virtual host and is drained; Redis holds the heartbeat.
    assert queues(vhost) and set(queues(vhost).values()) == {0}
    assert redis_client().get(HEARTBEAT_KEY) is not None
