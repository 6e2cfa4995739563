"""Settings → Channels, as a person uses it: choose a service, fill its fields, send a test,
save; pause, rename, remove. Bad input is a clear message and nothing is saved."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from pulserx.accounts.models import Patient, User
from pulserx.notifications.channels.editing import add_channel
from pulserx.notifications.models import UserChannel
from tests.channels.conftest import LoopbackAPI, Respond
from tests.support import free_port

pytestmark = pytest.mark.django_db
BOT_TOKEN = "123456789:AAEabcdefghijklmnopqrstuvwxyz012345"


@pytest.fixture
def signed_in(client: Client, patient: Patient) -> Client:
    client.force_login(patient.user)
    return client


@pytest.fixture
def ntfy(api_server: Callable[[Respond], LoopbackAPI]) -> LoopbackAPI:
    return api_server(lambda request: (200, {"id": "m1"}))


def text(response: object) -> str:
    return response.content.decode()  # type: ignore[attr-defined]


def test_a_test_message_is_sent_before_anything_is_saved_then_saved(
        signed_in: Client, ntfy: LoopbackAPI, patient: Patient) -> None:
    form = {"name": "My phone", "s_server": ntfy.origin, "s_topic": "alex-pills",
            "kinds": ["for_reminders", "for_missed"]}

    tested = signed_in.post("/settings/channels/new?service=ntfy", {**form, "action": "test"},
                            follow=True)
    assert "The test message was sent" in text(tested)
    assert [r.json()["title"] for r in ntfy.received] == ["PulseRx test message"]
    assert not UserChannel.objects.exists()

    saved = signed_in.post("/settings/channels/new?service=ntfy", {**form, "action": "save"})
    assert saved.status_code == 302
    channel = UserChannel.objects.get()
    assert (channel.user, channel.service, channel.name) == (patient.user, "ntfy", "My phone")
    assert (channel.for_reminders, channel.for_realerts, channel.for_missed,
            channel.for_refills) == (True, False, True, False)


@pytest.mark.parametrize(("service", "fields", "message"), [
    ("telegram", {"s_bot_token": "not-a-token", "s_chat_id": "987654321"},
     "Bot token: the token @BotFather gave"),
    ("telegram", {"s_bot_token": BOT_TOKEN, "s_chat_id": "me"}, "Chat id: a number"),
    ("twilio", {"s_account_sid": "AC" + "0" * 32, "s_auth_token": "f" * 32,
                "s_from_number": "07700900001", "s_to_number": "+447700900123"},
     "From (your Twilio number): a phone number in international form"),
    ("ntfy", {"s_server": "http://10.0.0.5", "s_topic": "x"},
     "10.0.0.5 is a local or private address"),
])
def test_bad_input_is_named_and_nothing_is_saved(signed_in: Client, service: str,
                                                 fields: dict[str, str], message: str) -> None:
    for action in ("test", "save"):
        response = signed_in.post(f"/settings/channels/new?service={service}",
                                  {"name": "Mine", **fields, "action": action})
        assert response.status_code == 200
        assert message in text(response)
    assert not UserChannel.objects.exists()


def test_an_unknown_service_is_refused(signed_in: Client) -> None:
    response = signed_in.get("/settings/channels/new?service=carrier-pigeon", follow=True)
    assert "Unknown service" in text(response)


def test_an_unreachable_server_is_a_clear_reason_at_send_a_test(
        signed_in: Client, loopback_allowed: None) -> None:
    response = signed_in.post("/settings/channels/new?service=gotify", {
        "name": "Gotify", "s_server": f"http://127.0.0.1:{free_port()}",
        "s_token": "AQ7rT.c2x9", "action": "test"})
    assert "The test message was not delivered: Gotify: 127.0.0.1 could not be reached" \
        in text(response)
    assert not UserChannel.objects.exists()


def test_a_service_refusal_is_shown_in_its_own_words(
        signed_in: Client, public_api: Callable[[list[str], Respond], LoopbackAPI]) -> None:
    public_api(["api.telegram.org"], lambda request: (
        400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}))
    response = signed_in.post("/settings/channels/new?service=telegram", {
        "name": "Telegram", "s_bot_token": BOT_TOKEN, "s_chat_id": "987654321",
        "action": "test"})
    assert "Telegram answered HTTP 400: Bad Request: chat not found" in text(response)


def test_the_page_masks_secrets_and_pauses_renames_and_removes(
        signed_in: Client, patient: Patient) -> None:
    channel = add_channel(patient.user, "telegram", "Phone",
                          {"bot_token": BOT_TOKEN, "chat_id": "987654321"})
    page = text(signed_in.get("/settings/channels/"))
    assert "Phone" in page and "987654321" in page and BOT_TOKEN not in page
    assert "<dt>Chat id</dt>" in page and "Sends: Reminders, Re-alerts" in page
    assert BOT_TOKEN not in text(signed_in.get(f"/settings/channels/{channel.pk}/"))

    signed_in.post(f"/settings/channels/{channel.pk}/pause")
    channel.refresh_from_db()
    assert channel.paused

    signed_in.post(f"/settings/channels/{channel.pk}/", {
        "name": "Kitchen tablet", "s_bot_token": "", "s_chat_id": "987654321",
        "kinds": ["for_reminders"], "action": "save"})
    channel.refresh_from_db()
    assert channel.name == "Kitchen tablet" and not channel.for_refills
    from pulserx.notifications.channels.sealing import unseal
    assert unseal(channel.sealed_settings)["bot_token"] == BOT_TOKEN  # kept when left empty

    signed_in.post(f"/settings/channels/{channel.pk}/remove")
    assert not UserChannel.objects.exists()


def test_another_users_channel_is_not_found(client: Client, patient: Patient,
                                            other_patient: Patient) -> None:
    channel = add_channel(patient.user, "ntfy", "Phone", {"server": "https://ntfy.sh",
                                                          "topic": "alex"})
    client.force_login(other_patient.user)
    assert client.get(f"/settings/channels/{channel.pk}/").status_code == 404
    assert client.post(f"/settings/channels/{channel.pk}/remove").status_code == 404
    assert UserChannel.objects.filter(pk=channel.pk).exists()


def test_a_caregiver_adds_channels_too(client: Client, caregiver: User,
                                       ntfy: LoopbackAPI) -> None:
    client.force_login(caregiver)
    client.post("/settings/channels/new?service=ntfy", {
        "name": "Carer phone", "s_server": ntfy.origin, "s_topic": "carol",
        "kinds": ["for_missed"], "action": "save"})
    assert UserChannel.objects.get().user == caregiver
