"""Each service as its documented HTTP API answers, and where a message's words are in
its request: one entry per service the Settings page offers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.channels.conftest import Request

BOT_TOKEN = "123456789:AAEabcdefghijklmnopqrstuvwxyz012345"
DISCORD_HOOK = "https://discord.com/api/webhooks/123456789012345678/" + "t" * 68
TWILIO_SID = "AC" + "0" * 32


@dataclass(frozen=True)
class ServiceAPI:
    service: str
    names: tuple[str, ...]  # public host names; () for a server the user names
    values: dict[str, str]  # the fields a user fills (`server`/`url` added for self-hosted)
    is_message: Callable[[Request], bool]  # the request that carries the message
    text: Callable[[Request], str]  # the message's words in that request
    answer: Callable[[Request], tuple[int, Any]]


def _matrix_answer(request: Request) -> tuple[int, Any]:
    if request.path.endswith("/account/whoami"):
        return 200, {"user_id": "@pulserx:example.org"}
    if "/join/" in request.path:
        return 200, {"room_id": "!room:example.org"}
    return 200, {"event_id": "$event"}


SERVICE_APIS = [
    # ntfy: POST a JSON message to the server's root (docs.ntfy.sh "Publish as JSON").
    ServiceAPI("ntfy", (), {"topic": "alex-pills"},
               lambda r: r.method == "POST" and r.path == "/",
               lambda r: r.json()["title"] + "\n" + r.json()["message"],
               lambda r: (200, {"id": "msg1", "event": "message"})),
    # Gotify: POST /message with the application token (gotify.net/api-docs).
    ServiceAPI("gotify", (), {"token": "AQ7rT.c2x9"},
               lambda r: r.path == "/message",
               lambda r: r.json()["title"] + "\n" + r.json()["message"],
               lambda r: (200, {"id": 1, "appid": 1})),
    # signal-cli REST API: POST /v2/send.
    ServiceAPI("signal", (), {"from_number": "+447700900001", "recipient": "+447700900123"},
               lambda r: r.path == "/v2/send",
               lambda r: r.json()["message"],
               lambda r: (201, {"timestamp": "1"})),
    # Matrix client-server API: PUT /rooms/{room}/send/m.room.message/{txn}.
    ServiceAPI("matrix", (), {"access_token": "syt_cHVsc2VyeA_abcdefghij",
                              "room": "!room:example.org"},
               lambda r: r.method == "PUT" and "/send/m.room.message/" in r.path,
               lambda r: r.json()["body"],
               _matrix_answer),
    # A generic JSON webhook: Apprise's JSON body.
    ServiceAPI("webhook", (), {},
               lambda r: r.path == "/hooks/pulserx",
               lambda r: r.json()["title"] + "\n" + r.json()["message"],
               lambda r: (200, {})),
    # Telegram Bot API: POST /bot<token>/sendMessage.
    ServiceAPI("telegram", ("api.telegram.org",), {"bot_token": BOT_TOKEN,
                                                   "chat_id": "987654321"},
               lambda r: r.path == f"/bot{BOT_TOKEN}/sendMessage",
               lambda r: r.json()["text"],
               lambda r: (200, {"ok": True, "result": {"message_id": 1}})),
    # Pushover: POST /1/messages.json (form).
    ServiceAPI("pushover", ("api.pushover.net",), {"user_key": "u" * 30, "app_token": "a" * 30},
               lambda r: r.path == "/1/messages.json",
               lambda r: r.form()["title"] + "\n" + r.form()["message"],
               lambda r: (200, {"status": 1, "request": "r1"})),
    # Discord: POST the webhook URL.
    ServiceAPI("discord", ("discord.com",), {"webhook_url": DISCORD_HOOK},
               lambda r: r.path.startswith("/api/webhooks/123456789012345678/"),
               lambda r: r.json()["content"],
               lambda r: (204, b"")),
    # Twilio: POST /2010-04-01/Accounts/{sid}/Messages.json (form).
    ServiceAPI("twilio", ("api.twilio.com",), {"account_sid": TWILIO_SID,
                                               "auth_token": "f" * 32,
                                               "from_number": "+447700900001",
                                               "to_number": "+447700900123"},
               lambda r: r.path == f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json",
               lambda r: r.form()["Body"],
               lambda r: (201, {"sid": "SM1", "status": "queued"})),
]
