"""A channel message that fails is shown in the Inbox with its reason; neither the reason
nor any log line carries the channel's credentials or the medication's name."""

from __future__ import annotations

import html
import logging
from collections.abc import Callable

import pytest
from django.test import Client

from pulserx.accounts.models import Patient
from pulserx.notifications.channels.editing import add_channel
from pulserx.notifications.models import Delivery, DeliveryCause, DeliveryStatus
from tests.channels.conftest import LoopbackAPI, Respond
from tests.channels.services import BOT_TOKEN
from tests.channels.test_channel_delivery import remind_now, send_pending

pytestmark = pytest.mark.django_db


def test_a_refused_message_is_shown_in_the_inbox_and_logged_without_secrets(
        patient: Patient, client: Client, caplog: pytest.LogCaptureFixture,
        public_api: Callable[[list[str], Respond], LoopbackAPI]) -> None:
    public_api(["api.telegram.org"], lambda request: (
        401, {"ok": False, "error_code": 401, "description": "Unauthorized"}))
    add_channel(patient.user, "telegram", "My Telegram",
                {"bot_token": BOT_TOKEN, "chat_id": "987654321"})
    remind_now(patient)

    with caplog.at_level(logging.DEBUG):
        send_pending()

    delivery = Delivery.objects.get(target__isnull=False)
    assert delivery.status == DeliveryStatus.FAILED  # a 401 is not retried
    assert delivery.last_error == "Telegram answered HTTP 401: Unauthorized"
    assert delivery.cause == DeliveryCause.SETTINGS_REFUSED
    client.force_login(patient.user)
    page = html.unescape(client.get("/inbox/").content.decode())
    assert "My Telegram (Telegram)" in page
    assert ("The service refused this channel's settings; check them in Settings → Channels."
            in page)
    assert "Technical details</summary>Telegram answered HTTP 401: Unauthorized" in page
    logged = caplog.text
    assert f"delivery {delivery.pk}" in logged
    assert BOT_TOKEN not in logged and BOT_TOKEN.split(":")[1] not in logged
    assert "Metformin" not in logged
