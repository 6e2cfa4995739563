"""A kind of message the user unchecks on a channel is not sent there; the kinds left
checked still are — chosen through the API (and the page), sent by the worker's path."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client

from pulserx.accounts.models import Patient
from pulserx.notifications.models import Delivery, DeliveryStatus, UserChannel
from tests.api.conftest import API, token_client
from tests.channels.conftest import LoopbackAPI, Respond
from tests.notifications.test_refill_reminders import MONDAY, live_through, ten_tablets

pytestmark = pytest.mark.django_db
EVERY_KIND = ["for_reminders", "for_realerts", "for_missed", "for_refills"]


def titles(server: LoopbackAPI) -> list[str]:
    return [r.json()["title"] for r in server.received]


def test_a_channel_unchecked_for_refills_gets_reminders_but_no_refill(
        patient: Patient, api_server: Callable[[Respond], LoopbackAPI]) -> None:
    phone = api_server(lambda request: (200, {"id": "m"}))
    tablet = api_server(lambda request: (200, {"id": "m"}))
    api = token_client(patient)
    for name, server in (("Phone", phone), ("Tablet", tablet)):
        created = api.post(f"{API}/channels", {"service": "ntfy", "name": name, "settings": {
            "server": server.origin, "topic": name.lower()}}, content_type="application/json")
        assert created.status_code == 201, created.content
        assert created.json()["kinds"] == dict.fromkeys(EVERY_KIND, True)
    phone_id = UserChannel.objects.get(name="Phone").pk
    unchecked = api.patch(f"{API}/channels/{phone_id}",
                          {"kinds": ["for_reminders", "for_realerts", "for_missed"]},
                          content_type="application/json")
    assert unchecked.json()["kinds"]["for_refills"] is False
    ten_tablets(patient)

    live_through(patient, MONDAY, hours=24 * 3)

    assert titles(phone) == ["Time for Metformin 500 mg"] * 6  # Mon 08:00 .. Wed 20:00
    assert sorted(titles(tablet)) == sorted(["Time for Metformin 500 mg"] * 6
                                            + ["Time to refill Metformin 500 mg"])
    assert not Delivery.objects.exclude(status=DeliveryStatus.SENT).exists()


def test_the_form_s_checkboxes_choose_the_kinds(
        client: Client, patient: Patient, api_server: Callable[[Respond], LoopbackAPI]
        ) -> None:
    server = api_server(lambda request: (200, {"id": "m"}))
    client.force_login(patient.user)
    form = {"name": "Phone", "s_server": server.origin, "s_topic": "pills",
            "kinds": ["for_reminders", "for_realerts", "for_missed"], "action": "save"}
    assert client.post("/settings/channels/new?service=ntfy", form).status_code == 302
    channel = UserChannel.objects.get()
    page = client.get(f"/settings/channels/{channel.pk}/").content.decode()
    boxes = dict(re.findall(r'<input type="checkbox" name="kinds" value="(\w+)"[^>]*?( checked)?>',
                            page))
    assert boxes == {"for_reminders": " checked", "for_realerts": " checked",
                     "for_missed": " checked", "for_refills": ""}
    ten_tablets(patient)

    live_through(patient, MONDAY, hours=24 * 3)

    assert titles(server) == ["Time for Metformin 500 mg"] * 6
