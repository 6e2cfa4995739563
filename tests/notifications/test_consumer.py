"""The notifications WebSocket: who may connect and what each socket receives."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.db import connections
from django.test import Client

from pulserx.asgi import application
from pulserx.live import inbox_group, publish
from pulserx.notifications.consumers import UNAUTHENTICATED

pytestmark = pytest.mark.django_db(transaction=True)
ORIGIN = (b"origin", b"http://testserver")


@pytest.fixture(autouse=True)
async def close_thread_connections():
    """The consumer's session and user lookups run in asgiref's sync thread; close the
    connections they open there, or PostgreSQL cannot drop the test database afterwards."""
    yield
    await sync_to_async(connections.close_all)()


@sync_to_async
def session_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


async def connect(cookie: bytes | None = None, origin=ORIGIN) -> WebsocketCommunicator:
    headers = [origin] + ([(b"cookie", cookie)] if cookie else [])
    return WebsocketCommunicator(application, "/ws/notifications/", headers=headers)


def event(n: int) -> dict:
    return {"type": "inbox.event", "event": {"kind": "notification", "id": n}}


async def test_an_anonymous_socket_is_refused():
    socket = await connect()
    connected, code = await socket.connect()
    assert not connected and code == UNAUTHENTICATED


async def test_a_socket_from_a_foreign_origin_is_refused(patient):
    cookie = await session_cookie(patient.user)
    socket = await connect(cookie, origin=(b"origin", b"https://evil.example"))
    connected, _ = await socket.connect()
    assert not connected


async def test_each_patient_receives_only_their_own_events(patient, other_patient):
    mine = await connect(await session_cookie(patient.user))
    theirs = await connect(await session_cookie(other_patient.user))
    assert (await mine.connect())[0] and (await theirs.connect())[0]

    await sync_to_async(publish)([(inbox_group(patient.user_id), event(1))])
    await get_channel_layer().group_send(inbox_group(other_patient.user_id), event(2))

    assert await mine.receive_json_from(timeout=5) == {"kind": "notification", "id": 1}
    assert await theirs.receive_json_from(timeout=5) == {"kind": "notification", "id": 2}
    assert await mine.receive_nothing(timeout=0.5)
    assert await theirs.receive_nothing(timeout=0.5)
    await mine.disconnect()
    await theirs.disconnect()


async def test_a_socket_cannot_ask_for_another_group(patient, other_patient):
    socket = await connect(await session_cookie(patient.user))
    await socket.connect()
    await socket.send_json_to({"type": "subscribe", "group": inbox_group(other_patient.user_id)})
    await sync_to_async(publish)([(inbox_group(other_patient.user_id), event(3))])
    assert await socket.receive_nothing(timeout=0.5)
    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_json_from(timeout=5) == {"type": "pong"}
    await socket.disconnect()
    await asyncio.sleep(0)
