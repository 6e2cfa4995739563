"""Take / Skip by replying in a Matrix room: a homeserver on loopback that speaks the
client-server API (send, whoami, join, /rooms/{id}/messages) holds the room; PulseRx sends
the reminder there (through Apprise), reads the room's new messages and answers each reply
once, in the room."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.utils import timezone

from pulserx.accounts.models import Patient
from pulserx.notifications.channels.editing import add_channel, update_channel
from pulserx.notifications.channels.matrix_replies import read_all_rooms
from pulserx.notifications.models import Delivery, ReplyCursor, UserChannel
from pulserx.reminders.models import DoseStatus
from tests.channels.conftest import LoopbackAPI, Request, Respond
from tests.channels.test_channel_delivery import remind_now, send_pending

pytestmark = pytest.mark.django_db
BOT, ALEX = "@pulserx:example.org", "@alex:example.org"
ROOM = "!room:example.org"
ALREADY = "Already taken by alex at "  # then the time it was taken
EXPIRED = "This reminder has expired: record the dose in PulseRx."


@dataclass
class Homeserver:
    """One room's timeline, as a homeserver keeps it: every event in order, a stream
    token "s<n>" for the position after the n-th."""

    events: list[dict[str, Any]] = field(default_factory=list)
    transactions: dict[str, str] = field(default_factory=dict)
    ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, sender: str, content: dict[str, Any]) -> str:
        with self.lock:
            event_id = f"$event{next(self.ids)}"
            self.events.append({"type": "m.room.message", "event_id": event_id,
                                "sender": sender, "room_id": ROOM, "content": content,
                                "origin_server_ts": int(time.time() * 1000)})
            return event_id

    def say(self, sender: str, body: str, replying_to: str = "") -> str:
        """A room member writes (a reply quotes what it answers, as clients do)."""
        content: dict[str, Any] = {"msgtype": "m.text", "body": body}
        if replying_to:
            content["body"] = f"> <{BOT}> Time for …\n\n{body}"
            content["m.relates_to"] = {"m.in_reply_to": {"event_id": replying_to}}
        return self.add(sender, content)

    def answer(self, request: Request) -> tuple[int, Any]:
        path = unquote(urlsplit(request.path).path)
        query = {k: v[0] for k, v in parse_qs(urlsplit(request.path).query).items()}
        if path.endswith("/account/whoami"):
            return 200, {"user_id": BOT}
        if "/join/" in path:
            return 200, {"room_id": ROOM}
        if request.method == "PUT" and f"/rooms/{ROOM}/send/m.room.message/" in path:
            txn = path.rsplit("/", 1)[1]
            if txn not in self.transactions:  # a repeated transaction is one event
                self.transactions[txn] = self.add(request.headers.get("x-sender", BOT),
                                                  request.json())
            return 200, {"event_id": self.transactions[txn]}
        if request.method == "GET" and path.endswith(f"/rooms/{ROOM}/messages"):
            return 200, self.messages(query)
        return 404, {"errcode": "M_UNRECOGNIZED", "error": "Unrecognized request"}

    def messages(self, query: dict[str, str]) -> dict[str, Any]:
        limit = int(query.get("limit", 10))
        with self.lock:
            if query["dir"] == "b":
                end = int(query.get("from", f"s{len(self.events)}")[1:])
                chunk = self.events[max(end - limit, 0):end][::-1]
                return {"chunk": chunk, "start": f"s{end}", "end": f"s{end - len(chunk)}"}
            start = int(query["from"][1:])
            chunk = self.events[start:start + limit]
            page: dict[str, Any] = {"chunk": chunk, "start": query["from"]}
            if chunk:  # no "end" when there is nothing more (the spec's rule)
                page["end"] = f"s{start + len(chunk)}"
            return page

    def said_by_bot(self) -> list[dict[str, Any]]:
        return [e["content"] for e in self.events if e["sender"] == BOT]


@pytest.fixture
def room(patient: Patient, api_server: Callable[[Respond], LoopbackAPI]
         ) -> Iterator[tuple[Homeserver, LoopbackAPI, UserChannel]]:
    homeserver = Homeserver()
    server = api_server(homeserver.answer)
    channel = add_channel(patient.user, "matrix", "Family room", {
        "server": server.origin, "access_token": "syt_cHVsc2VyeA_abcdefghij", "room": ROOM})
    yield homeserver, server, channel


def read() -> None:
    """What the worker's `read_matrix_replies` task does."""
    read_all_rooms(timezone.now())


def test_a_reply_1_records_the_dose_once_and_a_second_is_told_it_is_taken(
        room: tuple[Homeserver, LoopbackAPI, UserChannel], patient: Patient) -> None:
    homeserver, _, channel = room
    dose = remind_now(patient)
    send_pending()
    [reminder] = homeserver.said_by_bot()
    assert reminder["body"].endswith("Reply 1 if you took it, 2 to skip.")
    reminder_id = Delivery.objects.get(target=channel).provider_ref
    assert reminder_id == homeserver.events[0]["event_id"]
    read()  # nothing said yet
    assert len(homeserver.said_by_bot()) == 1

    first = homeserver.say(ALEX, "1")  # after the reminder, not a reply to it
    read()
    read()  # each reply is answered once
    dose.refresh_from_db()
    assert dose.status == DoseStatus.TAKEN and dose.acted_by == patient.user
    assert dose.recorded_via == "channel"
    answer = homeserver.said_by_bot()[1]
    assert answer["body"] == "Taken. Well done." and answer["msgtype"] == "m.notice"
    assert answer["m.relates_to"] == {"m.in_reply_to": {"event_id": first}}

    homeserver.say(ALEX, "taken", replying_to=reminder_id)
    read()
    bot = homeserver.said_by_bot()
    assert len(bot) == 3 and bot[2]["body"].startswith(ALREADY)


def test_the_bots_own_words_and_the_rooms_conversation_are_not_replies(
        room: tuple[Homeserver, LoopbackAPI, UserChannel], patient: Patient) -> None:
    homeserver, _, _ = room
    dose = remind_now(patient)
    send_pending()

    homeserver.say(BOT, "1")
    homeserver.say(ALEX, "Did you take your pills today?")
    read()

    dose.refresh_from_db()
    assert dose.status == DoseStatus.NOTIFIED
    assert len(homeserver.said_by_bot()) == 2  # the reminder and its own "1": no answer


def test_a_reply_to_an_expired_reminder_is_refused(
        room: tuple[Homeserver, LoopbackAPI, UserChannel], patient: Patient) -> None:
    homeserver, _, channel = room
    old = remind_now(patient)
    send_pending()
    expired = Delivery.objects.get(target=channel, notification__dose=old)
    Delivery.objects.filter(pk=expired.pk).update(
        sent_at=expired.sent_at - timedelta(hours=13))  # PULSERX_CHANNEL_LINK_MAX_AGE: 12 h
    remind_now(patient)  # a newer reminder, still answerable
    send_pending()

    homeserver.say(ALEX, "1", replying_to=expired.provider_ref)
    read()

    assert homeserver.said_by_bot()[-1]["body"] == EXPIRED
    old.refresh_from_db()
    assert old.status == DoseStatus.NOTIFIED


def test_words_said_before_the_reminder_are_not_replies_to_it(
        room: tuple[Homeserver, LoopbackAPI, UserChannel], patient: Patient) -> None:
    homeserver, _, _ = room
    yesterday = homeserver.say(ALEX, "1")
    homeserver.events[-1]["origin_server_ts"] -= 24 * 3600 * 1000
    dose = remind_now(patient)
    send_pending()

    read()  # the first read of the room sees the latest events, the old "1" among them

    dose.refresh_from_db()
    assert dose.status == DoseStatus.NOTIFIED
    assert all(c.get("m.relates_to", {}).get("m.in_reply_to", {}).get("event_id") != yesterday
               for c in homeserver.said_by_bot())


def test_only_rooms_with_a_reminder_to_answer_are_read(
        room: tuple[Homeserver, LoopbackAPI, UserChannel], patient: Patient) -> None:
    _, server, channel = room
    read()
    assert server.received == []  # no reminder: the homeserver is not asked

    remind_now(patient)
    send_pending()
    delivery = Delivery.objects.get(target=channel)
    Delivery.objects.filter(pk=delivery.pk).update(
        sent_at=delivery.sent_at - timedelta(hours=13))
    asked = len(server.received)
    read()
    assert len(server.received) == asked  # its only reminder can no longer be answered


def test_a_new_room_is_read_afresh(room: tuple[Homeserver, LoopbackAPI, UserChannel],
                                   patient: Patient) -> None:
    _, _, channel = room
    remind_now(patient)
    send_pending()
    read()
    assert ReplyCursor.objects.get(channel=channel).position == "s1"

    update_channel(channel, raw={"room": "!other:example.org"})

    assert not ReplyCursor.objects.filter(channel=channel).exists()


@pytest.mark.django_db(transaction=True)
def test_two_readers_at_once_answer_each_reply_once(
        room: tuple[Homeserver, LoopbackAPI, UserChannel], patient: Patient) -> None:
    homeserver, _, _ = room
    dose = remind_now(patient)
    send_pending()
    read()
    homeserver.say(ALEX, "2")

    failed: list[BaseException] = []

    def reader() -> None:
        from django.db import connection

        try:
            read()
        except BaseException as error:
            failed.append(error)
        finally:
            connection.close()
    threads = [threading.Thread(target=reader) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert failed == []
    dose.refresh_from_db()
    assert dose.status == DoseStatus.SKIPPED
    assert [c["body"] for c in homeserver.said_by_bot()[1:]] == ["Skipped."]


def test_the_worker_asks_for_one_read_per_period(
        monkeypatch: pytest.MonkeyPatch, redis_server: str) -> None:
    from pulserx.live import redis_client
    from pulserx.notifications import tasks

    queued: list[str] = []
    monkeypatch.setattr(tasks.read_matrix_replies, "apply_async",
                        lambda queue: queued.append(queue))
    redis_client().delete("pulserx:matrix-replies")

    assert tasks.ask_for_matrix_replies() is True
    assert tasks.ask_for_matrix_replies() is False  # another worker's thread, same period
    assert queued == ["channels"]
    redis_client().delete("pulserx:matrix-replies")


def test_reading_the_rooms_never_imports_apprise(
        room: tuple[Homeserver, LoopbackAPI, UserChannel], patient: Patient) -> None:
    import sys

    homeserver, _, _ = room
    dose = remind_now(patient)
    send_pending()  # Apprise sends the reminder
    homeserver.say(ALEX, "1")
    for name in [n for n in sys.modules if n == "apprise" or n.startswith("apprise.")]:
        del sys.modules[name]

    read()

    dose.refresh_from_db()
    assert dose.status == DoseStatus.TAKEN
    assert "apprise" not in sys.modules
