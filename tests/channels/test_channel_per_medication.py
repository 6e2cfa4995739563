"""A channel may carry only some medications' messages: the others' reminders and refills
stay off it (a summary of several doses still reaches it), chosen on the page or by the
API among the user's own medications only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from pulserx.accounts.models import Patient
from pulserx.dispatch.tick import tick
from pulserx.notifications.channels.editing import add_channel, update_channel
from pulserx.notifications.models import (
    Channel,
    Delivery,
    DeliveryCause,
    DeliveryStatus,
    UserChannel,
)
from pulserx.notifications.tasks import send_deliveries
from pulserx.reminders.models import Dose, Medication
from tests.api.conftest import API, token_client
from tests.channels.conftest import LoopbackAPI, Respond
from tests.notifications.test_refill_reminders import MONDAY, live_through, ten_tablets

pytestmark = pytest.mark.django_db


def medication(patient: Patient, name: str) -> Medication:
    return Medication.objects.create(patient=patient, name=name, strength="5 mg",
                                     stock=Decimal(30))


def remind(*medications: Medication) -> None:
    now = timezone.now().replace(microsecond=0)
    for item in medications:
        Dose.objects.create(patient=item.patient, medication=item, due_at=now,
                            next_action_at=now, amount=Decimal(1))
    with time_machine.travel(now + timedelta(seconds=1), tick=False):
        tick()


def send_pending() -> None:
    pending = Delivery.objects.filter(channel=Channel.SERVICE, status=DeliveryStatus.PENDING)
    send_deliveries([[d.pk, d.attempts] for d in pending], Channel.SERVICE)


def titles(server: LoopbackAPI) -> list[str]:
    return sorted(r.json()["title"] for r in server.received)


def test_a_channel_for_one_medication_gets_only_its_reminders(
        patient: Patient, api_server: Callable[[Respond], LoopbackAPI]) -> None:
    warfarin, vitamin = medication(patient, "Warfarin"), medication(patient, "Vitamin D")
    carer_phone = api_server(lambda request: (200, {"id": "m"}))
    phone = api_server(lambda request: (200, {"id": "m"}))
    add_channel(patient.user, "ntfy", "Warfarin only", {"server": carer_phone.origin,
                                                        "topic": "w"}, medications=[warfarin.pk])
    add_channel(patient.user, "ntfy", "Everything", {"server": phone.origin, "topic": "all"})

    remind(warfarin, vitamin)
    send_pending()

    assert titles(carer_phone) == ["Time for Warfarin 5 mg"]
    assert Delivery.objects.filter(target__name="Warfarin only").count() == 1  # planned once
    assert titles(phone) == ["Time for Vitamin D 5 mg", "Time for Warfarin 5 mg"]


def test_a_message_planned_before_the_choice_changed_is_not_sent(
        patient: Patient, api_server: Callable[[Respond], LoopbackAPI]) -> None:
    warfarin, vitamin = medication(patient, "Warfarin"), medication(patient, "Vitamin D")
    server = api_server(lambda request: (200, {"id": "m"}))
    channel = add_channel(patient.user, "ntfy", "Phone", {"server": server.origin,
                                                          "topic": "p"})
    remind(vitamin)
    update_channel(UserChannel.objects.get(pk=channel.pk), medications=[warfarin.pk])

    send_pending()

    assert server.received == []
    delivery = Delivery.objects.get(target=channel)
    assert delivery.status == DeliveryStatus.SKIPPED
    assert "no longer carries this message" in delivery.last_error
    assert delivery.cause == DeliveryCause.SWITCHED_OFF


def test_the_api_chooses_among_the_caller_s_medications_only(
        patient: Patient, other_patient: Patient) -> None:
    mine, theirs = medication(patient, "Warfarin"), medication(other_patient, "Aspirin")
    api = token_client(patient)
    body = {"service": "ntfy", "name": "Phone", "settings": {"topic": "p"},
            "medications": [theirs.pk]}
    refused = api.post(f"{API}/channels", body, content_type="application/json")
    assert refused.status_code == 422
    assert refused.json()["detail"] == f"Medications: no medication of yours has the id {theirs.pk}"
    assert not UserChannel.objects.exists()

    created = api.post(f"{API}/channels", {**body, "medications": [mine.pk]},
                       content_type="application/json")
    assert created.status_code == 201 and created.json()["medications"] == [mine.pk]
    changed = api.patch(f"{API}/channels/{created.json()['id']}", {"medications": []},
                        content_type="application/json")
    assert changed.json()["medications"] == []


def test_the_page_offers_the_user_s_medications_as_checkboxes(
        client: Client, patient: Patient, other_patient: Patient) -> None:
    mine = medication(patient, "Warfarin")
    medication(other_patient, "Aspirin")
    client.force_login(patient.user)
    form = client.get("/settings/channels/new?service=ntfy").content.decode()
    assert "Warfarin 5 mg" in form and "Aspirin" not in form

    saved = client.post("/settings/channels/new?service=ntfy", {
        "name": "Phone", "s_server": "https://ntfy.sh", "s_topic": "p", "kinds": ["for_reminders"],
        "medications": [str(mine.pk)], "action": "save"})
    assert saved.status_code == 302
    assert UserChannel.objects.get().chosen_medications == {mine.pk}
    assert "About: Warfarin 5 mg" in client.get("/settings/channels/").content.decode()


def test_a_refill_reaches_only_the_channels_of_its_medication(
        patient: Patient, api_server: Callable[[Respond], LoopbackAPI]) -> None:
    metformin = ten_tablets(patient)
    vitamin = medication(patient, "Vitamin D")
    its_own = api_server(lambda request: (200, {"id": "m"}))
    another = api_server(lambda request: (200, {"id": "m"}))
    add_channel(patient.user, "ntfy", "Metformin", {"server": its_own.origin, "topic": "m"},
                kinds=["for_refills"], medications=[metformin.pk])
    add_channel(patient.user, "ntfy", "Vitamin", {"server": another.origin, "topic": "v"},
                kinds=["for_refills"], medications=[vitamin.pk])

    live_through(patient, MONDAY, hours=24 * 3)

    assert titles(its_own) == ["Time to refill Metformin 500 mg"]
    assert another.received == []
    assert not Delivery.objects.filter(target__name="Vitamin").exists()  # not even planned
