"""An open WebSocket stops receiving events when its session signs out or the password
changes (on every browser of the user)."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connections
from django.test import Client
from django.urls import reverse

from pulserx.accounts.models import Patient
from pulserx.asgi import application
from pulserx.live import inbox_group, publish
from pulserx.notifications.consumers import SESSION_ENDED

pytestmark = pytest.mark.django_db(transaction=True)
ORIGIN = (b"origin", b"http://testserver")
PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
async def close_thread_connections():
    yield
    await sync_to_async(connections.close_all)()


@sync_to_async
def signed_in(patient: Patient) -> Client:
    client = Client()
    client.force_login(patient.user)
    return client


async def open_socket(client: Client) -> WebsocketCommunicator:
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    socket = WebsocketCommunicator(application, "/ws/notifications/",
                                   headers=[ORIGIN, (b"cookie", cookie)])
    connected, _ = await socket.connect()
    assert connected
    return socket


async def assert_closed(socket: WebsocketCommunicator) -> None:
    output = await socket.receive_output(timeout=5)
    assert output == {"type": "websocket.close", "code": SESSION_ENDED}


async def test_signing_out_closes_that_sessions_socket_only(patient):
    leaving, staying = await signed_in(patient), await signed_in(patient)
    gone, kept = await open_socket(leaving), await open_socket(staying)

    response = await sync_to_async(leaving.post)(reverse("logout"))

    assert response.status_code == 302
    await assert_closed(gone)
    await sync_to_async(publish)([(inbox_group(patient.user_id),
                                   {"type": "inbox.event", "event": {"id": 1}})])
    assert await kept.receive_json_from(timeout=5) == {"id": 1}
    await kept.disconnect()


async def test_a_password_change_closes_every_socket_of_the_user(patient):
    changing, elsewhere = await signed_in(patient), await signed_in(patient)
    here, there = await open_socket(changing), await open_socket(elsewhere)

    response = await sync_to_async(changing.post)(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": "a brand new secret 42",
        "new_password2": "a brand new secret 42"})

    assert response.status_code == 302
    await assert_closed(here)
    await assert_closed(there)
    again = WebsocketCommunicator(application, "/ws/notifications/", headers=[
        ORIGIN, (b"cookie", f"sessionid={elsewhere.cookies['sessionid'].value}".encode())])
    connected, _ = await again.connect()
    assert not connected  # the other browser's session ended with the old password


async def test_asking_to_delete_the_account_closes_every_socket(patient):
    deleting, elsewhere = await signed_in(patient), await signed_in(patient)
    here, there = await open_socket(deleting), await open_socket(elsewhere)

    response = await sync_to_async(deleting.post)(reverse("delete_account"),
                                                  {"password": PASSWORD})

    assert response.status_code == 200
    await assert_closed(here)
    await assert_closed(there)
