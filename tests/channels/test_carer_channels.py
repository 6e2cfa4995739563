"""A carer's own channel hears of a missed dose, on the carer's clock; re-alerts reach the
patient's channel that carries them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from pulserx.accounts.models import Patient, User
from pulserx.notifications.channels.editing import add_channel
from pulserx.notifications.models import Channel, Delivery, DeliveryStatus
from pulserx.notifications.tasks import send_deliveries
from tests.channels.conftest import LoopbackAPI, Respond
from tests.dispatch.test_missed_and_escalation import EIGHT, nagged, tick_at  # noqa: F401

pytestmark = pytest.mark.django_db


def send_all() -> None:
    pending = Delivery.objects.filter(channel=Channel.SERVICE, status=DeliveryStatus.PENDING)
    send_deliveries([[d.pk, d.attempts] for d in pending], Channel.SERVICE)


def test_the_carer_hears_of_the_missed_dose_on_their_channel(
        nagged: Patient, caregiver: User,  # noqa: F811
        api_server: Callable[[Respond], LoopbackAPI]) -> None:
    patients_phone = api_server(lambda request: (200, {"id": "m"}))
    carers_phone = api_server(lambda request: (200, {"id": "m"}))
    add_channel(nagged.user, "ntfy", "Phone", {"server": patients_phone.origin,
                                               "topic": "alex"})
    add_channel(caregiver, "ntfy", "Carer phone", {"server": carers_phone.origin,
                                                   "topic": "carol"}, kinds=["for_missed"])

    for minutes in (0, 15, 30, 45, 60):
        tick_at(EIGHT + timedelta(minutes=minutes, seconds=1))
        send_all()

    titles = [r.json()["title"] for r in patients_phone.received]
    assert titles == ["Time for Metformin 500 mg", "Reminder: Metformin 500 mg",
                      "Reminder: Metformin 500 mg"]
    [alert] = [r.json() for r in carers_phone.received]
    assert alert["title"].endswith(" missed a dose")
    assert "due at 08:00" in alert["message"]
