"""What every transport shares: the error it raises, loading the notification, and the
checks a (late) retry must pass before anything is sent.

A transport sends one Delivery or raises TransportError. Permanent failures are recorded
with their `status` and never retried; the others are retried with backoff by
pulserx.notifications.sending. Reasons and log lines carry ids and status codes only, never
the words of a notification: those name medications.
"""

from __future__ import annotations

import logging
from typing import Any

from pulserx.accounts.models import CareLink, CareLinkStatus, CareRole, Patient
from pulserx.notifications.inbox import RENDER_RELATED
from pulserx.notifications.models import (
    ALERT_KINDS,
    Channel,
    Delivery,
    DeliveryCause,
    DeliveryStatus,
    Notification,
    NotificationKind,
    UserChannel,
    medication_of,
)
from pulserx.reminders.models import OPEN_STATUSES

logger = logging.getLogger("pulserx.delivery")


class TransportError(Exception):
    """A failed send: `reason` for operators, `cause` for the person who reads the inbox.
    `permanent` failures are not retried; `status` is recorded then."""

    def __init__(self, reason: str, *, cause: DeliveryCause, permanent: bool = False,
                 status: str = DeliveryStatus.FAILED) -> None:
        super().__init__(reason)
        self.reason = reason
        self.cause = cause
        self.permanent = permanent
        self.status = status


def not_sent(reason: str, cause: DeliveryCause) -> TransportError:
    """Nothing went wrong, there is just nothing to send (recorded as skipped)."""
    return TransportError(reason, cause=cause, permanent=True, status=DeliveryStatus.SKIPPED)


class Transport:
    def send(self, delivery: Delivery) -> None:
        raise NotImplementedError


def load_notification(delivery: Delivery) -> Notification:
    """The delivery's notification ready to render: as its chunk preloaded it (the dose's
    status read again now: it may have been recorded meanwhile), else from the database."""
    if Delivery.notification.is_cached(delivery):  # type: ignore[attr-defined]
        notification = delivery.notification
        if notification.dose is not None:
            notification.dose.refresh_from_db(fields=["status"])
        return notification
    return Notification.objects.select_related(*RENDER_RELATED).get(
        pk=delivery.notification_id)


def ensure_still_wanted(notification: Notification, channel: str) -> None:
    """A retry may come much later: do not remind of a dose already recorded, on a channel
    switched off since, or tell a caregiver who no longer receives alerts."""
    if notification.kind in ALERT_KINDS:
        if notification.dose is not None and notification.dose.status not in OPEN_STATUSES:
            raise not_sent("the dose was recorded before this could be sent",
                           DeliveryCause.NOT_NEEDED)
        switched_off(notification.patient, channel)
    elif notification.kind == NotificationKind.GIVER_REMINDER:
        still_giving(notification)
    elif notification.kind == NotificationKind.REFILL:
        reminder, patient = notification.refill, notification.patient
        if reminder is None or reminder.cycle != reminder.medication.refill_cycle:
            raise not_sent("the medication was refilled before this could be sent",
                           DeliveryCause.NOT_NEEDED)
        switched_off(patient, channel)
    elif notification.kind == NotificationKind.CAREGIVER_MISSED and not CareLink.objects.filter(
        patient_id=notification.patient_id, caregiver_id=notification.recipient_id,
        status=CareLinkStatus.ACCEPTED, alert_on_missed=True,
    ).exists():
        raise not_sent("the caregiver no longer receives missed-dose alerts",
                       DeliveryCause.NOT_NEEDED)


def switched_off(patient: Patient, channel: str) -> None:
    """Push and email have the patient's own switches; a user's channels have theirs on
    the channel (UserChannel.wants)."""
    if (channel == Channel.PUSH and not patient.notify_push) or (
            channel == Channel.EMAIL and not patient.notify_email):
        raise not_sent(f"{channel} reminders are turned off", DeliveryCause.SWITCHED_OFF)


def user_channel_send(delivery: Delivery) -> tuple[Notification, UserChannel, dict[str, Any]]:
    """What a user's own channel needs to send `delivery`: the notification, the channel and
    its unsealed settings, once the channel still exists and still wants this message."""
    from pulserx.notifications.channels import sealing  # only where channels are sent

    notification = load_notification(delivery)
    channel = (UserChannel.objects.filter(pk=delivery.target_id).first()
               if delivery.target_id is not None else None)
    if channel is None:
        raise not_sent("the channel was removed", DeliveryCause.SWITCHED_OFF)
    ensure_still_wanted(notification, delivery.channel)
    if not channel.wants(notification.kind, medication_of(notification)):
        raise not_sent("the channel is paused or no longer carries this message",
                       DeliveryCause.SWITCHED_OFF)
    try:
        values = sealing.unseal(channel.sealed_settings)
    except sealing.SealBroken as error:
        raise TransportError(str(error), cause=DeliveryCause.OURS, permanent=True) from None
    return notification, channel, values


def still_giving(notification: Notification) -> None:
    """A giver's reminder: not once the dose is recorded, nor to someone who no longer
    gives (revoked, or now only sees the person's day)."""
    if notification.dose is not None and notification.dose.status not in OPEN_STATUSES:
        raise not_sent("the dose was recorded before this could be sent",
                       DeliveryCause.NOT_NEEDED)
    if not CareLink.objects.filter(
        patient_id=notification.patient_id, caregiver_id=notification.recipient_id,
        status=CareLinkStatus.ACCEPTED, role__in=(CareRole.GIVES, CareRole.MANAGES),
    ).exists():
        raise not_sent("the recipient no longer gives this person's doses",
                       DeliveryCause.NOT_NEEDED)
