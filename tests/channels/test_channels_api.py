"""/api/v1/channels: the Settings page's operations for scripts and apps."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from pulserx.accounts.models import Patient
from pulserx.notifications.channels.editing import add_channel
from pulserx.notifications.models import UserChannel
from tests.api.conftest import API, token_client
from tests.channels.conftest import LoopbackAPI, Respond

pytestmark = pytest.mark.django_db
BOT_TOKEN = "123456789:AAEabcdefghijklmnopqrstuvwxyz012345"


@pytest.fixture
def api(patient: Patient) -> Client:
    return token_client(patient)


def test_a_channel_is_created_tested_changed_and_removed(
        api: Client, api_server: Callable[[Respond], LoopbackAPI]) -> None:
    ntfy = api_server(lambda request: (200, {"id": "m1"}))
    settings = {"server": ntfy.origin, "topic": "alex-pills", "token": "tk_" + "a" * 29}

    tested = api.post(f"{API}/channels/test", {"service": "ntfy", "settings": settings},
                      content_type="application/json")
    assert tested.status_code == 200 and tested.json() == {"sent": True}
    assert not UserChannel.objects.exists()

    created = api.post(f"{API}/channels", {"service": "ntfy", "name": "Phone",
                                           "settings": settings, "kinds": ["for_reminders"]},
                       content_type="application/json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["settings"] == {"server": ntfy.origin, "topic": "alex-pills",
                                "token": "••••aaa"}
    assert body["kinds"] == {"for_reminders": True, "for_realerts": False,
                             "for_missed": False, "for_refills": False}

    changed = api.patch(f"{API}/channels/{body['id']}", {
        "name": "Old phone", "paused": True, "settings": {"service": "ntfy", "topic": "alex-2"}},
        content_type="application/json")
    assert changed.json()["name"] == "Old phone" and changed.json()["paused"] is True
    assert changed.json()["settings"] == {"server": ntfy.origin, "topic": "alex-2",
                                          "token": "••••aaa"}
    refused = api.patch(f"{API}/channels/{body['id']}", {"settings": {"service": "ntfy",
                                                                       "topic": "a b"}},
                        content_type="application/json")
    assert refused.status_code == 422 and refused.json()["detail"].startswith("Topic:")
    other_service = api.patch(f"{API}/channels/{body['id']}", {"settings": {
        "service": "gotify", "token": "AQ7rT.c2x9"}}, content_type="application/json")
    assert other_service.status_code == 409
    assert "this channel sends to ntfy" in other_service.json()["detail"]
    assert api.get(f"{API}/channels").json()[0]["settings"]["topic"] == "alex-2"
    assert api.post(f"{API}/channels/{body['id']}/test").json() == {"sent": True}
    assert len(ntfy.received) == 2

    assert api.delete(f"{API}/channels/{body['id']}").status_code == 204
    assert not UserChannel.objects.exists()


@pytest.mark.parametrize(("payload", "detail"), [
    ({"service": "telegram", "name": "x", "settings": {"bot_token": "123", "chat_id": "1"}},
     "Bot token: the token @BotFather gave"),
    ({"service": "telegram", "name": "x",
      "settings": {"bot_token": BOT_TOKEN, "chat_id": "chat"}}, "Chat id: a number"),
    ({"service": "ntfy", "name": "x", "settings": {"server": "https://ntfy.sh/path",
                                                   "topic": "a"}}, "without a path"),
    ({"service": "ntfy", "name": "x", "settings": {"topic": " alex"}},
     "Topic: letters, digits"),
])
def test_bad_settings_are_a_422_naming_the_field_and_nothing_is_saved(
        api: Client, payload: dict[str, object], detail: str) -> None:
    response = api.post(f"{API}/channels", payload, content_type="application/json")
    assert response.status_code == 422 and detail in response.json()["detail"]
    tested = api.post(f"{API}/channels/test", {"service": payload["service"],
                                               "settings": payload["settings"]},
                      content_type="application/json")
    assert tested.status_code == 422 and detail in tested.json()["detail"]
    assert not UserChannel.objects.exists()


@pytest.mark.parametrize(("payload", "where", "words"), [
    ({"service": "fax", "name": "x", "settings": {}}, ["body", "payload"], "'fax'"),
    ({"service": "ntfy", "name": "x", "settings": {"topic": "a"}, "kinds": ["all"]},
     ["body", "payload", "ntfy", "kinds", 0], "'for_refills'"),
    ({"service": "ntfy", "name": "x", "settings": {"topic": "a", "tpoic": "b"}},
     ["body", "payload", "ntfy", "settings", "tpoic"], "Extra inputs"),
])
def test_what_the_document_rules_out_is_a_422_naming_where(
        api: Client, payload: dict[str, object], where: list[object], words: str) -> None:
    response = api.post(f"{API}/channels", payload, content_type="application/json")
    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert problem["loc"] == where and words in problem["msg"]
    assert not UserChannel.objects.exists()


def test_a_second_channel_of_the_same_name_is_a_409(api: Client, patient: Patient) -> None:
    add_channel(patient.user, "ntfy", "Phone", {"topic": "alex"})
    response = api.post(f"{API}/channels", {"service": "ntfy", "name": " Phone ",
                                            "settings": {"topic": "other"}},
                        content_type="application/json")
    assert response.status_code == 409
    assert "already have a channel called 'Phone'" in response.json()["detail"]


def test_secrets_never_come_back_and_others_see_nothing(
        api: Client, patient: Patient, other_patient: Patient) -> None:
    channel = add_channel(patient.user, "telegram", "Phone",
                          {"bot_token": BOT_TOKEN, "chat_id": "987654321"})
    listed = api.get(f"{API}/channels")
    assert BOT_TOKEN not in listed.content.decode()
    other = token_client(other_patient)
    assert other.get(f"{API}/channels").json() == []
    assert other.delete(f"{API}/channels/{channel.pk}").status_code == 404
    assert other.post(f"{API}/channels/{channel.pk}/test").status_code == 404


def test_the_services_and_their_fields_are_listed(api: Client) -> None:
    services = {s["service"]: s for s in api.get(f"{API}/channels/services").json()}
    assert set(services) >= {"ntfy", "gotify", "telegram", "signal", "matrix", "pushover",
                             "discord", "webhook", "twilio"}
    assert [f["name"] for f in services["telegram"]["fields"]] == ["bot_token", "chat_id"]
    assert services["telegram"]["fields"][0]["secret"] is True
