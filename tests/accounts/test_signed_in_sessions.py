"""Settings → Signed-in sessions: each browser signed in to the account, in plain words, and
"Sign out everywhere else", which ends the others (their pages and their live sockets) and
keeps this one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connections
from django.test import Client
from django.urls import reverse

from pulserx.accounts.models import Patient, SignedInSession
from pulserx.accounts.signed_in import device_name
from pulserx.asgi import application
from pulserx.notifications.consumers import SESSION_ENDED
from tests.support import https_client

from .helpers import PASSWORD

CHROME_ANDROID = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like "
                  "Gecko) Chrome/126.0.0.0 Mobile Safari/537.36")
FIREFOX_WINDOWS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 "
                   "Firefox/128.0")
SAFARI_IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
                 "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")
EDGE_WINDOWS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like "
                "Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0")
SAFARI_MAC = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like "
              "Gecko) Version/17.5 Safari/605.1.15")


def browser(user_agent: str) -> Client:
    return https_client(headers={"User-Agent": user_agent})


def sign_in(client: Client) -> None:
    response = client.post(reverse("login"), {"username": "alex@example.org",
                                              "password": PASSWORD})
    assert response.status_code == 302


@pytest.mark.parametrize(("user_agent", "words"), [
    (CHROME_ANDROID, "Chrome on Android"),
    (FIREFOX_WINDOWS, "Firefox on Windows"),
    (SAFARI_IPHONE, "Safari on iOS"),
    (EDGE_WINDOWS, "Edge on Windows"),
    (SAFARI_MAC, "Safari on macOS"),
    ("curl/8.5.0", "An unknown browser"),
    ("", "An unknown browser"),
])
def test_a_user_agent_in_plain_words(user_agent: str, words: str) -> None:
    assert device_name(user_agent) == words


@pytest.mark.django_db
def test_the_list_shows_each_browser_and_marks_this_one(patient: Patient) -> None:
    phone, laptop = browser(CHROME_ANDROID), browser(FIREFOX_WINDOWS)
    sign_in(phone)
    sign_in(laptop)

    page = laptop.get(reverse("account_settings")).content.decode()
    assert "Signed-in sessions" in page
    assert "Chrome on Android" in page and "Firefox on Windows" in page
    laptop_entry = page.split("Firefox on Windows", 1)[1].split("</li>", 1)[0]
    phone_entry = page.split("Chrome on Android", 1)[1].split("</li>", 1)[0]
    assert "This browser" in laptop_entry and "This browser" not in phone_entry
    assert SignedInSession.objects.filter(user=patient.user).count() == 2


@pytest.mark.django_db
def test_signing_out_removes_the_row(patient: Patient) -> None:
    phone = browser(CHROME_ANDROID)
    sign_in(phone)
    assert SignedInSession.objects.count() == 1
    phone.post(reverse("logout"))
    assert SignedInSession.objects.count() == 0


@pytest.mark.django_db
def test_last_seen_is_refreshed_at_most_every_five_minutes(patient: Patient) -> None:
    start = datetime.now(UTC)
    phone = browser(CHROME_ANDROID)
    with time_machine.travel(start, tick=False) as clock:
        sign_in(phone)
        row = SignedInSession.objects.get()
        clock.shift(timedelta(minutes=4))
        phone.get(reverse("account_settings"))
        assert SignedInSession.objects.get().last_seen == row.last_seen
        clock.shift(timedelta(minutes=2))
        phone.get(reverse("account_settings"))
        assert SignedInSession.objects.get().last_seen == start + timedelta(minutes=6)


@pytest.mark.django_db
def test_sign_out_everywhere_else_ends_the_others_and_keeps_this_one(patient: Patient) -> None:
    phone, laptop, tablet = (browser(CHROME_ANDROID), browser(FIREFOX_WINDOWS),
                             browser(SAFARI_IPHONE))
    for client in (phone, laptop, tablet):
        sign_in(client)

    response = laptop.post(reverse("sign_out_elsewhere"))

    assert response.status_code == 302
    assert response["Location"] == reverse("account_settings") + "#sessions"
    for other in (phone, tablet):
        ended = other.get(reverse("account_settings"))
        assert ended.status_code == 302 and ended["Location"].startswith(reverse("login"))
    page = laptop.get(reverse("account_settings"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Signed out of 2 other sessions." in text
    assert "Chrome on Android" not in text and "Firefox on Windows" in text
    assert list(SignedInSession.objects.values_list("user_agent", flat=True)) == [
        FIREFOX_WINDOWS]


@pytest.mark.django_db(transaction=True)
async def test_sign_out_everywhere_else_closes_the_others_sockets(patient: Patient) -> None:
    leaving, staying = browser(CHROME_ANDROID), browser(FIREFOX_WINDOWS)
    await sync_to_async(sign_in)(leaving)
    await sync_to_async(sign_in)(staying)

    async def open_socket(client: Client) -> WebsocketCommunicator:
        cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
        socket = WebsocketCommunicator(application, "/ws/notifications/", headers=[
            (b"origin", b"http://testserver"), (b"cookie", cookie)])
        connected, _ = await socket.connect()
        assert connected
        return socket

    try:
        gone = await open_socket(leaving)
        await sync_to_async(staying.post)(reverse("sign_out_elsewhere"))
        output = await gone.receive_output(timeout=5)
        assert output == {"type": "websocket.close", "code": SESSION_ENDED}
    finally:
        await sync_to_async(connections.close_all)()
