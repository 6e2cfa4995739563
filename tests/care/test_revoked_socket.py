"""A revoked carer's open WebSocket stops receiving the person's events at once: events go
to the carers whose link is accepted at the moment they are published."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connections
from django.test import Client
from django.utils import timezone

from pulserx.accounts.care import revoke
from pulserx.accounts.models import CareLink, CareRole, Patient
from pulserx.asgi import application
from pulserx.reminders.actions import record_dose
from pulserx.reminders.models import DoseStatus
from tests import factories as make
from tests.care.conftest import carer

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
async def close_thread_connections():
    yield
    await sync_to_async(connections.close_all)()


@sync_to_async
def cookie_of(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


@sync_to_async
def two_due_doses(patient: Patient) -> list[int]:
    med = make.medication(patient, stock=10)
    now = timezone.now()
    return [make.dose(med, now - timedelta(minutes=n)).pk for n in (1, 2)]


async def test_a_revoked_carers_open_socket_stops_receiving_within_two_seconds(
        patient: Patient):
    ana = await sync_to_async(carer)(patient, "Ana", CareRole.GIVES)
    first, second = await two_due_doses(patient)
    socket = WebsocketCommunicator(application, "/ws/notifications/", headers=[
        (b"origin", b"http://testserver"), (b"cookie", await cookie_of(ana))])
    assert (await socket.connect())[0]

    await sync_to_async(record_dose)(first, DoseStatus.TAKEN, patient.user)
    event = await socket.receive_json_from(timeout=2)
    assert event["dose_id"] == first and event["status"] == "taken"

    link = await sync_to_async(CareLink.objects.get)(caregiver=ana)
    await sync_to_async(revoke)(link)
    await sync_to_async(record_dose)(second, DoseStatus.TAKEN, patient.user)
    assert await socket.receive_nothing(timeout=2)
    await socket.disconnect()
    await asyncio.sleep(0)
