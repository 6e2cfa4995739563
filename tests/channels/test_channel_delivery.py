"""A due dose reaches each of the patient's channels exactly once, with the words of the
one renderer on the patient's clock, and a 500 is retried as a row."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from pulserx.accounts.models import Patient
from pulserx.dispatch.tick import tick
from pulserx.notifications.channels.editing import add_channel
from pulserx.notifications.models import (
    Channel,
    Delivery,
    DeliveryCause,
    DeliveryStatus,
    UserChannel,
)
from pulserx.notifications.tasks import send_deliveries
from pulserx.reminders.models import Dose, Medication
from tests.channels.conftest import LoopbackAPI, Respond
from tests.channels.services import SERVICE_APIS, ServiceAPI

pytestmark = pytest.mark.django_db


def channel_for(api: ServiceAPI, patient: Patient, start: Callable[..., LoopbackAPI]
                ) -> tuple[LoopbackAPI, UserChannel]:
    if api.names:
        server = start(list(api.names), api.answer)
        values = api.values
    else:
        server = start(api.answer)
        key, suffix = ("url", "/hooks/pulserx") if api.service == "webhook" else ("server", "")
        values = {**api.values, key: server.origin + suffix}
    return server, add_channel(patient.user, api.service, f"My {api.service}", values)


@pytest.fixture
def start(api_server: Callable[[Respond], LoopbackAPI],
          public_api: Callable[[list[str], Respond], LoopbackAPI]) -> Callable[..., LoopbackAPI]:
    def start(*args: object) -> LoopbackAPI:
        return public_api(*args) if len(args) == 2 else api_server(*args)  # type: ignore[arg-type]
    return start


def remind_now(patient: Patient) -> Dose:
    """A dose of 2 tablets of Metformin due now, reminded by a dispatcher tick."""
    medication = Medication.objects.create(patient=patient, name="Metformin",
                                           strength="500 mg", stock=Decimal(30))
    now = timezone.now().replace(microsecond=0)
    dose = Dose.objects.create(patient=patient, medication=medication, due_at=now,
                               next_action_at=now, amount=Decimal(2))
    with time_machine.travel(now + timedelta(seconds=1), tick=False):
        tick()
    return dose


def send_pending() -> None:
    """What the worker's "channels" queue does with the deliveries the tick planned."""
    pending = Delivery.objects.filter(channel=Channel.SERVICE, status=DeliveryStatus.PENDING)
    send_deliveries([[d.pk, d.attempts] for d in pending], Channel.SERVICE)


@pytest.mark.parametrize("api", SERVICE_APIS, ids=lambda api: api.service)
def test_a_due_dose_sends_exactly_one_message_to_the_channel(
        api: ServiceAPI, patient: Patient, start: Callable[..., LoopbackAPI]) -> None:
    server, channel = channel_for(api, patient, start)
    dose = remind_now(patient)

    send_pending()
    send_pending()  # nothing is left to send: the delivery is done

    messages = [r for r in server.received if api.is_message(r)]
    assert len(messages) == 1, server.received
    text = api.text(messages[0])
    due = dose.due_at.astimezone(ZoneInfo("Europe/London")).strftime("%H:%M")
    assert "Time for Metformin 500 mg" in text
    assert f"Take 2 tablets of Metformin 500 mg (due at {due})." in text
    delivery = Delivery.objects.get(target=channel)
    assert delivery.status == DeliveryStatus.SENT, delivery.last_error
    assert delivery.attempts == 1 and delivery.notification.dose_id == dose.pk


@pytest.mark.parametrize("api", SERVICE_APIS, ids=lambda api: api.service)
def test_a_500_is_retried_with_backoff_and_then_sent_once(
        api: ServiceAPI, patient: Patient, start: Callable[..., LoopbackAPI]) -> None:
    server, channel = channel_for(api, patient, start)
    server.failures, server.fail_when = 1, api.is_message
    remind_now(patient)

    send_pending()
    delivery = Delivery.objects.get(target=channel)
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert "answered HTTP 500" in delivery.last_error
    assert delivery.cause == DeliveryCause.UNREACHABLE
    assert delivery.next_attempt_at is not None and delivery.next_attempt_at > timezone.now()

    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    send_pending()

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 2
    assert delivery.last_error == "" and delivery.cause == ""
    assert len([r for r in server.received if api.is_message(r)]) == 2  # the 500, then one


def test_the_dispatcher_never_imports_apprise(patient: Patient) -> None:
    add_channel(patient.user, "ntfy", "Phone", {"server": "https://ntfy.sh", "topic": "alex"})
    for name in [n for n in sys.modules if n == "apprise" or n.startswith("apprise.")]:
        del sys.modules[name]

    remind_now(patient)

    assert Delivery.objects.filter(channel=Channel.SERVICE).count() == 1
    assert "apprise" not in sys.modules


def test_a_paused_channel_and_an_unwanted_kind_get_nothing(patient: Patient) -> None:
    paused = add_channel(patient.user, "ntfy", "Paused", {"server": "https://ntfy.sh",
                                                          "topic": "a1"})
    paused.paused = True
    paused.save()
    add_channel(patient.user, "ntfy", "Refills only", {"server": "https://ntfy.sh",
                                                       "topic": "a2"}, kinds=["for_refills"])
    wanted = add_channel(patient.user, "ntfy", "Reminders", {"server": "https://ntfy.sh",
                                                             "topic": "a3"})

    remind_now(patient)

    assert list(Delivery.objects.filter(channel=Channel.SERVICE)
                .values_list("target", flat=True)) == [wanted.pk]
