"""Channels that leave the building: one class per channel.

A transport sends one Delivery or raises TransportError. Permanent failures are recorded
with their `status` and never retried; the others are retried with backoff by
pulserx.notifications.sending. Reasons and log lines carry ids and status codes only, never
the words of a notification: those name medications.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from pulserx.accounts.models import CareLink, CareLinkStatus
from pulserx.notifications.emailactions import email_action_url
from pulserx.notifications.messages import DoseFacts, describe
from pulserx.notifications.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    Notification,
    NotificationKind,
)
from pulserx.reminders.models import OPEN_STATUSES, Dose

logger = logging.getLogger("pulserx.delivery")
ACTIONABLE = (NotificationKind.REMINDER, NotificationKind.REALERT)



class TransportError(Exception):
    """A failed send. `permanent` failures are not retried; `status` is recorded then."""

    def __init__(self, reason: str, *, permanent: bool = False,
                 status: str = DeliveryStatus.FAILED) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.status = status


def not_sent(reason: str) -> TransportError:
    """Nothing went wrong, there is just nothing to send (recorded as skipped)."""
    return TransportError(reason, permanent=True, status=DeliveryStatus.SKIPPED)


class Transport:
    def send(self, delivery: Delivery) -> None:
        raise NotImplementedError


@dataclass(frozen=True)
class Message:
    """What every channel says about one notification."""

    notification: Notification
    title: str
    body: str

    @property
    def actionable(self) -> bool:
        return self.notification.kind in ACTIONABLE and self.notification.dose_id is not None


def dose_facts(dose: Dose) -> DoseFacts:
    medication = dose.medication
    return DoseFacts(
        medication=medication.name if medication else None,
        strength=medication.strength if medication else "",
        form=medication.form if medication else "",
        instructions=medication.instructions if medication else "",
        amount=dose.amount,
        due_local=dose.due_at.astimezone(ZoneInfo(dose.patient.timezone)),
    )


def compose(notification: Notification) -> Message:
    dose = notification.dose
    user = notification.patient.user
    title, body = describe(notification.kind, dose_facts(dose) if dose else None,
                           late=notification.late, count=notification.count,
                           patient_label=user.first_name or user.email)
    return Message(notification, title, body)


def load_notification(delivery: Delivery) -> Notification:
    return Notification.objects.select_related(
        "recipient", "patient__user", "dose__medication", "dose__patient",
    ).get(pk=delivery.notification_id)


def ensure_still_wanted(notification: Notification, channel: str) -> None:
    """A retry may come much later: do not remind of a dose already recorded, on a channel
    switched off since, or tell a caregiver who no longer receives alerts."""
    if notification.kind in ACTIONABLE:
        if notification.dose is not None and notification.dose.status not in OPEN_STATUSES:
            raise not_sent("the dose was recorded before this could be sent")
        patient = notification.patient
        if not (patient.notify_push if channel == Channel.PUSH else patient.notify_email):
            raise not_sent(f"{channel} reminders are turned off")
    elif notification.kind == NotificationKind.CAREGIVER_MISSED and not CareLink.objects.filter(
        patient_id=notification.patient_id, caregiver_id=notification.recipient_id,
        status=CareLinkStatus.ACCEPTED, alert_on_missed=True,
    ).exists():
        raise not_sent("the caregiver no longer receives missed-dose alerts")


# --- email

def email_context(message: Message) -> dict[str, Any]:
    notification = message.notification
    context: dict[str, Any] = {
        "title": message.title, "body": message.body, "kind": notification.kind,
        "app_url": settings.SITE_URL + "/",
        "link_hours": round(settings.PULSERX_EMAIL_LINK_MAX_AGE.total_seconds() / 3600),
    }
    if message.actionable:
        assert notification.dose_id is not None
        context["take_url"] = email_action_url(notification.dose_id, "take",
                                               notification.recipient_id)
        context["skip_url"] = email_action_url(notification.dose_id, "skip",
                                               notification.recipient_id)
    return context


class EmailTransport(Transport):
    def send(self, delivery: Delivery) -> None:
        notification = load_notification(delivery)
        ensure_still_wanted(notification, Channel.EMAIL)
        if not notification.recipient.email:
            raise not_sent("the recipient has no email address")
        if not notification.recipient.email_verified:
            raise not_sent("the recipient's email address is not verified")
        message = compose(notification)
        context = email_context(message)
        email = EmailMultiAlternatives(
            subject=" ".join(message.title.split()),  # a header: no line breaks
            body=render_to_string("notifications/email/notification.txt", context),
            to=[notification.recipient.email],
            headers={"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"},
        )
        email.attach_alternative(
            render_to_string("notifications/email/notification.html", context), "text/html")
        try:
            sent = email.send()
        except smtplib.SMTPRecipientsRefused:
            raise TransportError("the mail server refused the recipient's address",
                                 permanent=True) from None
        except smtplib.SMTPResponseException as error:
            raise TransportError(f"the mail server answered {error.smtp_code}") from None
        except (smtplib.SMTPException, OSError) as error:
            raise TransportError(
                f"the mail server could not be reached ({type(error).__name__})") from None
        if not sent:
            raise TransportError("the email backend sent nothing")


def transport_for(channel: str) -> Transport:
    if channel == Channel.EMAIL:
        return EmailTransport()
    if channel == Channel.PUSH:
        # Imported on first use: the Web Push stack (pywebpush, requests, cryptography)
        # costs the worker ~20 MB of RSS, which deployments without push never pay.
        from pulserx.notifications.webpush import WebPushTransport

        return WebPushTransport()
    raise TransportError(f"no transport for {channel}", permanent=True)
