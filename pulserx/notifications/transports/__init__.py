"""Channels that leave the building: one module per channel, each with one Transport class.

`TRANSPORTS` maps a channel to its class by dotted path: a transport is imported on first
use, so the Web Push stack (http-ece, py-vapid and cryptography's OpenSSL binding; ~7 MB
of worker RSS) costs nothing where no push is ever sent, and Apprise (a user's own channels)
nothing where no channel message is.
"""

from __future__ import annotations

from django.utils.module_loading import import_string

from pulserx.notifications.models import Channel, DeliveryCause
from pulserx.notifications.transports.base import Transport, TransportError

TRANSPORTS = {
    Channel.EMAIL: "pulserx.notifications.transports.email.EmailTransport",
    Channel.PUSH: "pulserx.notifications.transports.webpush.WebPushTransport",
    Channel.SERVICE: "pulserx.notifications.transports.services.ServiceTransport",
    Channel.MQTT: "pulserx.notifications.transports.mqtt.MqttTransport",
}


def transport_for(channel: str) -> Transport:
    path = TRANSPORTS.get(channel)  # type: ignore[call-overload]
    if path is None:
        raise TransportError(f"no transport for {channel}", cause=DeliveryCause.NOT_SET_UP,
                             permanent=True)
    transport: Transport = import_string(path)()
    return transport
