"""Channels that leave the building: one class per channel."""

from __future__ import annotations

from pulserx.notifications.models import Delivery, DeliveryStatus


class TransportError(Exception):
    """A failed send. `permanent` failures are not retried; `status` is recorded then."""

    def __init__(self, reason: str, *, permanent: bool = False,
                 status: str = DeliveryStatus.FAILED) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.status = status


class Transport:
    def send(self, delivery: Delivery) -> None:
        raise NotImplementedError


def transport_for(channel: str) -> Transport:
    raise TransportError(f"no transport for {channel}", permanent=True)
