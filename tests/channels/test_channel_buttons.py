"""Take / Skip from an ntfy action button and a Telegram inline keyboard: the dose is
recorded once; a second press is told it is already taken, in the page's words."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.test import Client

from pulserx.accounts.models import Patient
from pulserx.notifications.channels.buttons import telegram_secret
from pulserx.notifications.channels.editing import add_channel
from pulserx.reminders.models import DoseStatus
from tests.channels.conftest import LoopbackAPI, Request, Respond
from tests.channels.services import BOT_TOKEN
from tests.channels.test_channel_delivery import remind_now, send_pending

pytestmark = pytest.mark.django_db
ALREADY = "Already taken by alex at "  # then the time it was taken


def ntfy_buttons(request: Request) -> dict[str, str]:
    """{title: path} of the `http` actions in an ntfy publish (the X-Actions header)."""
    buttons = {}
    for action in request.headers["x-actions"].split(";"):
        kind, title, url, *options = [part.strip() for part in action.split(",")]
        assert kind == "http" and "method=POST" in options and "clear=true" in options
        buttons[title] = urlsplit(url).path
    return buttons


def test_take_from_an_ntfy_action_records_the_dose_once(
        patient: Patient, client: Client,
        api_server: Callable[[Respond], LoopbackAPI]) -> None:
    ntfy = api_server(lambda request: (200, {"id": "m1"}))
    add_channel(patient.user, "ntfy", "Phone", {"server": ntfy.origin, "topic": "alex"})
    dose = remind_now(patient)
    send_pending()
    [publish] = ntfy.received
    buttons = ntfy_buttons(publish)
    assert set(buttons) == {"Take", "Skip"}

    first = client.post(buttons["Take"])
    second = client.post(buttons["Take"])
    skip = client.post(buttons["Skip"])

    assert (first.status_code, first.content.decode()) == (200, "Taken. Well done.")
    assert second.status_code == 409 and second.content.decode().startswith(ALREADY)
    assert skip.status_code == 409 and skip.content.decode().startswith(ALREADY)
    dose.refresh_from_db()
    assert dose.status == DoseStatus.TAKEN and dose.acted_by == patient.user


def test_an_ntfy_button_expires_like_an_email_link(
        patient: Patient, client: Client,
        api_server: Callable[[Respond], LoopbackAPI]) -> None:
    ntfy = api_server(lambda request: (200, {"id": "m1"}))
    add_channel(patient.user, "ntfy", "Phone", {"server": ntfy.origin, "topic": "alex"})
    dose = remind_now(patient)
    send_pending()
    take = ntfy_buttons(ntfy.received[0])["Take"]

    with time_machine.travel(dose.due_at + timedelta(hours=13)):
        late = client.post(take)
    tampered = client.post(take.rstrip("/")[:-3] + "abc/")

    assert late.status_code == 410 and "expired" in late.content.decode()
    assert tampered.status_code == 400
    dose.refresh_from_db()
    assert dose.status == DoseStatus.NOTIFIED


def test_take_from_a_telegram_button_records_the_dose_once(
        patient: Patient, client: Client,
        public_api: Callable[[list[str], Respond], LoopbackAPI]) -> None:
    telegram = public_api(["api.telegram.org"], lambda request: (
        200, {"ok": True, "result": {"message_id": 7}}))
    channel = add_channel(patient.user, "telegram", "Phone",
                          {"bot_token": BOT_TOKEN, "chat_id": "987654321"})
    dose = remind_now(patient)
    send_pending()
    [sent] = telegram.received
    [[take, skip]] = sent.json()["reply_markup"]["inline_keyboard"]
    assert (take["text"], skip["text"]) == ("Take", "Skip")
    assert len(take["callback_data"].encode()) <= 64  # Telegram's limit

    def press(data: str, secret: str = telegram_secret(channel.pk)) -> object:
        update = {"update_id": 1, "callback_query": {
            "id": "cb1", "data": data, "from": {"id": 987654321},
            "message": {"message_id": 7, "chat": {"id": 987654321, "type": "private"}}}}
        return client.post(f"/channels/telegram/{channel.pk}/", json.dumps(update),
                           content_type="application/json",
                           headers={"X-Telegram-Bot-Api-Secret-Token": secret})

    assert press(take["callback_data"], secret="guess").status_code == 403  # type: ignore[attr-defined]
    first = press(take["callback_data"]).json()  # type: ignore[attr-defined]
    second = press(take["callback_data"]).json()  # type: ignore[attr-defined]
    forged = press("t1:abc:def").json()  # type: ignore[attr-defined]

    assert first == {"method": "answerCallbackQuery", "callback_query_id": "cb1",
                     "text": "Taken. Well done."}
    assert second["text"].startswith(ALREADY)
    assert forged["text"] == "This button is not valid."
    dose.refresh_from_db()
    assert dose.status == DoseStatus.TAKEN and dose.acted_by == patient.user


def test_a_channel_that_does_not_carry_reminders_gets_none(
        patient: Patient, api_server: Callable[[Respond], LoopbackAPI]) -> None:
    ntfy = api_server(lambda request: (200, {"id": "m1"}))
    add_channel(patient.user, "ntfy", "Phone", {"server": ntfy.origin, "topic": "alex"},
                kinds=["for_refills"])
    remind_now(patient)
    send_pending()
    assert ntfy.received == []  # reminders are not this channel's kind


def test_the_button_path_is_the_urlconfs() -> None:
    from django.urls import reverse

    from pulserx.notifications.channels.buttons import ACTION_PATH

    assert ACTION_PATH.format(token="abc") == reverse("channel-dose-action", args=["abc"])


def test_a_giver_s_ntfy_reminder_says_given_and_records_as_the_giver(
        patient: Patient, client: Client,
        api_server: Callable[[Respond], LoopbackAPI]) -> None:
    from pulserx.accounts.models import CareLink, CareRole
    from tests.care.conftest import carer

    ana = carer(patient, "Ana", CareRole.GIVES)
    ntfy = api_server(lambda request: (200, {"id": "m1"}))
    add_channel(ana, "ntfy", "Ana's phone", {"server": ntfy.origin, "topic": "ana"})
    dose = remind_now(patient)
    send_pending()
    [publish] = ntfy.received
    buttons = ntfy_buttons(publish)
    assert set(buttons) == {"Given", "Skip"}

    given = client.post(buttons["Given"])
    assert (given.status_code, given.content.decode()) == (200, "Given.")
    dose.refresh_from_db()
    assert dose.status == DoseStatus.TAKEN and dose.acted_by == ana
    # A giver who has left the team cannot record with a button they were sent.
    CareLink.objects.filter(caregiver=ana).delete()
    skip = client.post(buttons["Skip"])
    assert skip.content.decode() == "This dose is no longer in PulseRx."
