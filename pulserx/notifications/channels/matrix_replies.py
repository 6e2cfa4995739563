"""Replies in Matrix rooms: PulseRx reads what was said in a channel's room since it last
looked and answers "1" / "2" (channels.replies) in the room.

How it reads (the client-server API, v3):
- `GET /rooms/{room}/messages`: the first time `dir=b` (the latest events, and a token for
  "now"), then `dir=f&from=<token>` (what came after). One room per request, no long poll
  (the request is as short as the homeserver answers, at most PULSERX_CHANNEL_TIMEOUT),
  and at most `PAGE` events per read: the rest are read next time;
- the token after the events read is stored on the channel's `ReplyCursor` by one guarded
  UPDATE (from the token it read from) *before* the events are acted on: of two readers of
  the same room only one acts, so each reply is processed once;
- only rooms of Matrix channels that have a reminder younger than
  PULSERX_CHANNEL_LINK_MAX_AGE are read (`rooms_to_read`), by the `read_matrix_replies`
  task on the channels queue, which the worker asks for every
  PULSERX_MATRIX_REPLY_SECONDS; never by the dispatcher's tick.

A reply is an `m.room.message` from anyone in the room but the account that sends the
reminders, saying "1", "2" or one of the reply words, either in reply to a reminder
(`m.relates_to.m.in_reply_to`, by the reminder's event id) or after it. What was said before
the oldest reminder still answerable is not a reply. Requests go through the same guarded
outbound path as every channel's (checked addresses, no redirects); no Apprise is needed.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db.models import F, QuerySet
from django.utils import timezone

from pulserx.notifications.channels import sealing
from pulserx.notifications.channels.addresses import server_url
from pulserx.notifications.channels.replies import (
    answer_reply,
    reminder_answered,
    reminders_sent,
    reply_action,
)
from pulserx.notifications.models import (
    ALERT_KINDS,
    DeliveryStatus,
    ReplyCursor,
    Service,
    UserChannel,
)
from pulserx.notifications.render import reading

logger = logging.getLogger("pulserx.delivery")
API = "/_matrix/client/v3"
PAGE = 50  # events per read of a room
ROOMS_PER_RUN = 100  # rooms per task; those read longest ago first
# The homeserver's clock and PulseRx's may differ a little: a reply stamped this much
# before a reminder was recorded as sent may still answer it.
CLOCK_SLACK = timedelta(seconds=30)


class MatrixError(Exception):
    """The homeserver could not be read or written; the reason names no message."""


@dataclass(frozen=True)
class RoomMessage:
    event_id: str
    sender: str
    body: str
    replying_to: str  # the event id it replies to, "" if none
    at: datetime  # origin_server_ts


def rooms_to_read(now: datetime) -> QuerySet[UserChannel]:
    """Matrix channels with a reminder sent less than PULSERX_CHANNEL_LINK_MAX_AGE ago,
    those read longest ago first."""
    return (UserChannel.objects.filter(
        service=Service.MATRIX, deliveries__status=DeliveryStatus.SENT,
        deliveries__notification__kind__in=ALERT_KINDS,
        deliveries__sent_at__gte=now - settings.PULSERX_CHANNEL_LINK_MAX_AGE)
        .distinct().select_related("user")
        .order_by(F("reply_cursor__read_at").asc(nulls_first=True), "pk")[:ROOMS_PER_RUN])


def read_all_rooms(now: datetime) -> int:
    """Read each room with a reminder that can still be answered; the number read."""
    read = 0
    for channel in rooms_to_read(now):
        try:
            read_room(channel, now)
            read += 1
        except (MatrixError, sealing.SealBroken, ValueError) as error:
            logger.warning("channel %s: its Matrix room was not read: %s", channel.pk, error)
    return read


class Homeserver:
    """The few client-server API calls PulseRx makes, with the channel's access token."""

    def __init__(self, values: dict[str, str]) -> None:
        parts = server_url(values["server"])
        host = f"[{parts.host}]" if ":" in parts.host else parts.host
        self.base = f"{parts.scheme}://{host}{f':{parts.port}' if parts.port else ''}{API}"
        self.headers = {"Authorization": f"Bearer {values['access_token']}"}

    def call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        import requests

        from pulserx.notifications.transports.outbound import guarded

        with guarded() as outcome:
            try:
                response = requests.request(method, self.base + path, headers=self.headers,
                                            timeout=settings.PULSERX_CHANNEL_TIMEOUT, **kwargs)
            except requests.RequestException:
                raise MatrixError(outcome.errors[-1] if outcome.errors
                                  else "the homeserver could not be reached") from None
        if response.status_code != 200:
            raise MatrixError(f"the homeserver answered HTTP {response.status_code}")
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise MatrixError("the homeserver's answer is not a JSON object")
        return data

    def who_am_i(self) -> str:
        return str(self.call("GET", "/account/whoami").get("user_id", ""))

    def room_id(self, room: str) -> str:
        if room.startswith("!"):
            return room
        found = self.call("GET", f"/directory/room/{quote(room, safe='')}").get("room_id")
        if not isinstance(found, str) or not found.startswith("!"):
            raise MatrixError("the room's alias did not name a room")
        return found

    def messages(self, room_id: str, position: str) -> tuple[list[dict[str, Any]], str]:
        """(events oldest first, the token after them) since `position` ("": the latest)."""
        path = f"/rooms/{quote(room_id, safe='')}/messages"
        if not position:
            data = self.call("GET", path, params={"dir": "b", "limit": PAGE})
            return list(reversed(events_in(data))), str(data.get("start") or "")
        data = self.call("GET", path, params={"dir": "f", "from": position, "limit": PAGE})
        return events_in(data), str(data.get("end") or position)

    def say(self, room_id: str, text: str, replying_to: str) -> None:
        """A notice in the room, in reply to `replying_to`. The transaction id comes from
        the reply, so a repeated request is one message."""
        txn = "pulserx-" + hashlib.sha256(replying_to.encode()).hexdigest()[:32]
        self.call("PUT", f"/rooms/{quote(room_id, safe='')}/send/m.room.message/{txn}",
                  json={"msgtype": "m.notice", "body": text,
                        "m.relates_to": {"m.in_reply_to": {"event_id": replying_to}}})


def events_in(data: dict[str, Any]) -> list[dict[str, Any]]:
    chunk = data.get("chunk")
    return [e for e in chunk if isinstance(e, dict)] if isinstance(chunk, list) else []


def room_message(event: dict[str, Any]) -> RoomMessage | None:
    """The text message an event is, None for any other event."""
    content = event.get("content")
    if event.get("type") != "m.room.message" or not isinstance(content, dict):
        return None
    body, stamp = content.get("body"), event.get("origin_server_ts")
    if not isinstance(body, str) or type(stamp) is not int or content.get("msgtype") != "m.text":
        return None
    relation = content.get("m.relates_to")
    reply = relation.get("m.in_reply_to") if isinstance(relation, dict) else None
    replying_to = reply.get("event_id") if isinstance(reply, dict) else ""
    return RoomMessage(event_id=str(event.get("event_id", "")), sender=str(event.get("sender")),
                       body=body[:200], replying_to=str(replying_to or ""),
                       at=datetime.fromtimestamp(stamp / 1000, UTC))


def read_room(channel: UserChannel, now: datetime) -> None:
    """Read the channel's room since last time and answer each reply once."""
    values = sealing.unseal(channel.sealed_settings)
    homeserver = Homeserver(values)
    cursor = cursor_for(channel, homeserver, values["room"])
    events, position = homeserver.messages(cursor.room_id, cursor.position)
    if not ReplyCursor.objects.filter(pk=cursor.pk, position=cursor.position).update(
            position=position, read_at=timezone.now()):
        return  # another reader read these events first: they are its to answer
    oldest = reminders_sent(channel).filter(
        sent_at__gte=now - settings.PULSERX_CHANNEL_LINK_MAX_AGE).last()
    if oldest is None or oldest.sent_at is None:
        return
    for message in filter(None, map(room_message, events)):
        if message.sender == cursor.bot_user or message.at < oldest.sent_at - CLOCK_SLACK:
            continue
        action = reply_action(message.body)
        if action is None:
            continue  # the room's own conversation
        reminder = reminder_answered(channel, now, replying_to=message.replying_to,
                                     sent_before=message.at + CLOCK_SLACK)
        with reading(channel.user.language):
            answered = answer_reply(channel, action, reminder, now)
        try:
            homeserver.say(cursor.room_id, answered.text, message.event_id)
        except MatrixError as error:  # recorded all the same; the page shows it
            logger.warning("channel %s: the answer to a reply was not sent: %s",
                           channel.pk, error)


def cursor_for(channel: UserChannel, homeserver: Homeserver, room: str) -> ReplyCursor:
    """The channel's cursor, with the room's id and the sending account named."""
    cursor, _ = ReplyCursor.objects.get_or_create(channel=channel)
    if not cursor.room_id or not cursor.bot_user:
        cursor.room_id, cursor.bot_user = homeserver.room_id(room), homeserver.who_am_i()
        ReplyCursor.objects.filter(pk=cursor.pk).update(room_id=cursor.room_id,
                                                        bot_user=cursor.bot_user)
    return cursor
