"""A refill reminder reaches the channels that carry refills, once; not the others."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from pulserx.accounts.models import Patient
from pulserx.notifications.channels.editing import add_channel
from pulserx.notifications.models import Channel, Delivery, DeliveryStatus
from tests.channels.conftest import LoopbackAPI, Respond
from tests.notifications.test_refill_reminders import MONDAY, live_through, ten_tablets

pytestmark = pytest.mark.django_db


def test_a_refill_reminder_goes_to_the_refills_channel_only(
        patient: Patient, api_server: Callable[[Respond], LoopbackAPI]) -> None:
    refills = api_server(lambda request: (200, {"id": "m"}))
    reminders = api_server(lambda request: (200, {"id": "m"}))
    add_channel(patient.user, "ntfy", "Pharmacy list", {"server": refills.origin,
                                                        "topic": "refills"},
                kinds=["for_refills"])
    add_channel(patient.user, "ntfy", "Phone", {"server": reminders.origin, "topic": "pills"},
                kinds=["for_reminders"])
    ten_tablets(patient)

    live_through(patient, MONDAY, hours=24 * 3)

    [refill] = [r.json() for r in refills.received]
    assert refill["title"] == "Time to refill Metformin 500 mg"
    assert all(r.json()["title"].startswith("Time for") for r in reminders.received)
    assert len(reminders.received) == 6  # Mon 08:00 to Wed 20:00, twice a day
    assert not Delivery.objects.filter(channel=Channel.SERVICE).exclude(
        status=DeliveryStatus.SENT).exists()
