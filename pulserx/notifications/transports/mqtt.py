"""Home Assistant over MQTT (paho-mqtt 2): a sensor and an event entity that appear by MQTT
discovery, a retained state per user, and one event per message.

Topics, for the channel's user <u> and the discovery prefix <p> (Home Assistant's
default `homeassistant`):

- `<p>/sensor/pulserx_<u>/dose/config` and `<p>/event/pulserx_<u>/reminder/config`
  (retained): the discovery configs of the sensor "PulseRx dose" and the event "PulseRx
  reminder", on one device "PulseRx";
- `pulserx/<u>/state` (retained): {"status": due | overdue | missed | refill | test, then
  taken | skipped when the dose is recorded (`publish_recorded`),
  "title", "body", "dose_id", "due_at"}, the sensor's state and attributes;
- `pulserx/<u>/event` (not retained): {"event_type": reminder | realert | …, "title", "body",
  "dose_id"}, one per message.

paho-mqtt is imported here, when a message is sent. The broker's address follows the same
rules as every channel's (`channels.addresses`): the connection goes to a checked address.
"""

from __future__ import annotations

import json
import ssl
import threading
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from pulserx.notifications.channels import sealing
from pulserx.notifications.channels.addresses import AddressRefused, connect, server_url
from pulserx.notifications.models import Delivery, DeliveryCause, NotificationKind, UserChannel
from pulserx.notifications.render import (
    Message,
    stored_message,
    words_of_the_test_message,
)
from pulserx.notifications.transports.base import (
    Transport,
    TransportError,
    logger,
    user_channel_send,
)

LABEL = "Home Assistant (MQTT)"
STATUS = {NotificationKind.REMINDER: "due", NotificationKind.REALERT: "overdue",
          NotificationKind.CAREGIVER_MISSED: "missed",
          NotificationKind.MISSED_SUMMARY: "missed", NotificationKind.REFILL: "refill",
          NotificationKind.CAREGIVER_OVERRIDE: "override",
          # A giver's reminder is a dose due as the patient's is (the event type says whose).
          NotificationKind.GIVER_REMINDER: "due"}
assert set(STATUS) == set(NotificationKind), "every kind needs a sensor state"
EVENT_TYPES = [*(kind.value for kind in NotificationKind), "test"]


@dataclass(frozen=True)
class Publication:
    topic: str
    payload: str
    retain: bool


def discovery(prefix: str, user_id: int) -> list[Publication]:
    base = f"pulserx/{user_id}"
    device = {"identifiers": [f"pulserx_{user_id}"], "name": "PulseRx",
              "manufacturer": "PulseRx"}
    sensor = {"name": "dose", "unique_id": f"pulserx_{user_id}_dose", "object_id":
              f"pulserx_{user_id}_dose", "state_topic": f"{base}/state",
              "value_template": "{{ value_json.status }}",
              "json_attributes_topic": f"{base}/state", "icon": "mdi:pill", "device": device}
    event = {"name": "reminder", "unique_id": f"pulserx_{user_id}_reminder",
             "object_id": f"pulserx_{user_id}_reminder", "state_topic": f"{base}/event",
             "event_types": EVENT_TYPES, "device": device}
    return [
        Publication(f"{prefix}/sensor/pulserx_{user_id}/dose/config", json.dumps(sensor), True),
        Publication(f"{prefix}/event/pulserx_{user_id}/reminder/config", json.dumps(event),
                    True),
    ]


def publications(prefix: str, user_id: int, message: Message,
                 due_at: str | None) -> list[Publication]:
    base = f"pulserx/{user_id}"
    words = {"title": message.title, "body": message.body, "dose_id": message.dose_id}
    status = STATUS.get(message.kind, message.kind)  # type: ignore[call-overload]  # "test"
    return [
        *discovery(prefix, user_id),
        Publication(f"{base}/state", json.dumps({"status": status, **words,
                                                 "due_at": due_at}), True),
        Publication(f"{base}/event", json.dumps({"event_type": message.kind, **words}),
                    False),
    ]


def publish(values: dict[str, str], items: list[Publication]) -> None:
    """Connect to the user's broker, publish `items` (QoS 1) and wait for each to be
    acknowledged; TransportError with the reason otherwise."""
    import paho.mqtt.client as mqtt

    broker = server_url(values["broker"], ("mqtts", "mqtt"))
    port = broker.port or (8883 if broker.secure else 1883)
    timeout = settings.PULSERX_CHANNEL_TIMEOUT

    class CheckedClient(mqtt.Client):
        def _create_socket_connection(self) -> Any:
            # paho's own connect, to an address checked as every channel's is
            return connect(broker.host, port, timeout)

    client = CheckedClient(callback_api_version=mqtt.CallbackAPIVersion.VERSION2,
                           client_id=f"pulserx-{uuid.uuid4().hex[:12]}")
    if values.get("username"):
        client.username_pw_set(values["username"], values.get("password") or None)
    if broker.secure:
        client.tls_set_context(ssl.create_default_context())
    connected = threading.Event()
    refusal: list[str] = []

    def on_connect(client: Any, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        if reason.is_failure:
            refusal.append(str(reason))
        connected.set()
    client.on_connect = on_connect
    try:
        client.connect(broker.host, port, keepalive=30)
    except AddressRefused as error:
        raise TransportError(f"{LABEL}: {error}", cause=DeliveryCause.SETTINGS_REFUSED,
                             permanent=True) from None
    except (OSError, ssl.SSLError) as error:
        raise TransportError(f"{LABEL}: the broker could not be reached "
                             f"({type(error).__name__})", cause=DeliveryCause.UNREACHABLE) from None
    client.loop_start()
    try:
        if not connected.wait(timeout):
            raise TransportError(f"{LABEL}: the broker did not answer in time",
                                 cause=DeliveryCause.UNREACHABLE)
        if refusal:
            raise TransportError(f"{LABEL}: the broker refused the connection "
                                 f"({refusal[0]})", cause=DeliveryCause.SETTINGS_REFUSED,
                                 permanent=True)
        sent = [client.publish(item.topic, item.payload, qos=1, retain=item.retain)
                for item in items]
        for info in sent:
            info.wait_for_publish(timeout)
            if not info.is_published():
                raise TransportError(f"{LABEL}: the broker did not acknowledge a message",
                                     cause=DeliveryCause.UNREACHABLE)
    finally:
        client.disconnect()
        client.loop_stop()


def send_test(values: dict[str, str], user_id: int,
              words: tuple[str, str] | None = None) -> None:
    """The test message, `words` (title, body: in the channel owner's language) else the
    active language's."""
    title, body = words or words_of_the_test_message()
    test = Message(id=0, kind="test", dose_id=None, patient_id=0, recipient_id=user_id,
                   title=title, body=body,
                   late=False, actionable=False, created_at=None)  # type: ignore[arg-type]
    publish(values, publications(values.get("discovery_prefix") or "homeassistant", user_id,
                                 test, None))


class MqttTransport(Transport):
    def send(self, delivery: Delivery) -> None:
        notification, channel, values = user_channel_send(delivery)
        message = stored_message(notification)
        due_at = notification.dose.due_at.isoformat() if notification.dose else None
        publish(values, publications(values.get("discovery_prefix") or "homeassistant",
                                     channel.user_id, message, due_at))


def publish_recorded(channel_ids: list[int], dose_id: int) -> None:
    """The retained state "taken" or "skipped" for a recorded dose, on each channel."""
    from pulserx.notifications.render import facts_of, reading, take_text
    from pulserx.reminders.models import Dose

    dose = Dose.objects.select_related("medication", "patient").filter(pk=dose_id).first()
    if dose is None:
        return
    facts = facts_of(dose)
    for channel in UserChannel.objects.filter(pk__in=channel_ids, paused=False).select_related(
            "user"):
        try:
            values = sealing.unseal(channel.sealed_settings)
            base = f"pulserx/{channel.user_id}"
            with reading(channel.user.language):  # in the channel owner's language
                state = {"status": dose.status, "title": facts.what, "body": take_text(facts),
                         "dose_id": dose.pk, "due_at": dose.due_at.isoformat()}
            publish(values, [*discovery(values.get("discovery_prefix") or "homeassistant",
                                        channel.user_id),
                             Publication(f"{base}/state", json.dumps(state), True)])
        except (TransportError, sealing.SealBroken) as error:
            logger.warning("channel %s: the dose state was not published: %s", channel.pk,
                           getattr(error, "reason", type(error).__name__))
