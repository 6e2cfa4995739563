"""Channels that leave the building: one class per channel.

A transport sends one Delivery or raises TransportError. Permanent failures are recorded
with their `status` and never retried; the others are retried with backoff by
pulserx.notifications.sending. Reasons and log lines carry ids and status codes only, never
the words of a notification: those name medications.
"""

from __future__ import annotations

import base64
import functools
import json
import logging
import smtplib
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import requests
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

from pulserx.accounts.models import CareLink, CareLinkStatus
from pulserx.notifications.emailactions import email_action_url, push_action_token
from pulserx.notifications.messages import DoseFacts, describe
from pulserx.notifications.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    Notification,
    NotificationKind,
    PushSubscription,
)
from pulserx.notifications.push_services import is_push_service
from pulserx.reminders.models import OPEN_STATUSES, Dose

logger = logging.getLogger("pulserx.delivery")
ACTIONABLE = (NotificationKind.REMINDER, NotificationKind.REALERT)
PUSH_TIMEOUT = 10
PUSH_ACTIONS = [
    {"action": "take", "title": "Take"},
    {"action": "snooze", "title": "Snooze 10 min", "minutes": 10},
    {"action": "skip", "title": "Skip"},
]


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


# --- Web Push (RFC 8030 delivery, RFC 8291 aes128gcm encryption, RFC 8292 VAPID)

def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def public_key_of(signer: Vapid) -> str:
    return b64url(signer.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))


@functools.lru_cache(maxsize=4)
def read_vapid(private_key: str, public_key: str, subject: str) -> tuple[Vapid | None, str]:
    """(signer, "") for usable VAPID settings, else (None, what is wrong with them)."""
    if not private_key or not public_key:
        return None, ("Web Push is not configured: set VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY "
                      "(python manage.py vapid_keys makes a pair)")
    try:
        signer = Vapid.from_string(private_key)
    except Exception:
        return None, "VAPID_PRIVATE_KEY is not a P-256 private key"
    if public_key_of(signer) != public_key.rstrip("="):
        return None, "VAPID_PUBLIC_KEY does not belong to VAPID_PRIVATE_KEY"
    try:
        signer.sign({"sub": subject, "aud": "https://push.example"})
    except Exception:
        return None, "VAPID_SUBJECT must be a mailto: address or an https: URL"
    return signer, ""


def vapid_signer() -> Vapid:
    signer, problem = read_vapid(settings.VAPID_PRIVATE_KEY, settings.VAPID_PUBLIC_KEY,
                                 settings.VAPID_SUBJECT)
    if signer is None:
        raise not_sent(problem)
    return signer


def vapid_public_key() -> str | None:
    """The application server key browsers subscribe with, when Web Push is usable."""
    try:
        return public_key_of(vapid_signer())
    except TransportError:
        return None


def push_payload(message: Message) -> dict[str, Any]:
    """The JSON the service worker receives (see pulserx/web/static/pulserx/sw.js)."""
    notification = message.notification
    dose_id = notification.dose_id
    payload: dict[str, Any] = {
        "id": notification.pk, "kind": notification.kind,
        "title": message.title, "body": message.body,
        "tag": f"dose-{dose_id}" if dose_id else f"notification-{notification.pk}",
        "dose_id": dose_id, "actions": [], "url": "/",
    }
    if message.actionable:
        assert dose_id is not None
        payload["actions"] = PUSH_ACTIONS
        payload["action_token"] = push_action_token(dose_id, notification.recipient_id)
    return payload


class WebPushTransport(Transport):
    def send(self, delivery: Delivery) -> None:
        signer = vapid_signer()
        notification = load_notification(delivery)
        ensure_still_wanted(notification, Channel.PUSH)
        subscriptions = [s for s in PushSubscription.objects.filter(
            user_id=notification.recipient_id) if is_push_service(s.endpoint)]
        if not subscriptions:
            raise not_sent("the recipient has no push subscription")
        message = compose(notification)
        data = json.dumps(push_payload(message), separators=(",", ":"))
        urgency = "high" if message.actionable else "normal"
        with requests.Session() as session:
            outcomes = [self.push(session, signer, subscription, data, urgency)
                        for subscription in subscriptions]
        self.conclude(delivery, outcomes)

    def push(self, session: requests.Session, signer: Vapid, subscription: PushSubscription,
             data: str, urgency: str) -> TransportError | bool:
        """True when the push service accepted it, False when the subscription is gone
        (and now deleted), else the error."""
        info = {"endpoint": subscription.endpoint,
                "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth}}
        try:
            webpush(info, data, vapid_private_key=signer,
                    vapid_claims={"sub": settings.VAPID_SUBJECT},  # fresh: webpush adds aud
                    ttl=int(settings.PULSERX_PUSH_TTL.total_seconds()), timeout=PUSH_TIMEOUT,
                    headers={"Urgency": urgency}, requests_session=session)
        except WebPushException as error:
            status = error.status_code
            if status in (404, 410):
                PushSubscription.objects.filter(pk=subscription.pk).delete()
                logger.info("push subscription %s is gone (HTTP %s), deleted",
                            subscription.pk, status)
                return False
            if status is None:  # refused before sending: the stored keys are unusable
                return TransportError("the push subscription's keys are invalid", permanent=True)
            return TransportError(f"the push service answered HTTP {status}",
                                  permanent=400 <= status < 500 and status != 429)
        except requests.RequestException as error:
            return TransportError(f"the push service could not be reached "
                                  f"({type(error).__name__})")
        return True

    def conclude(self, delivery: Delivery, outcomes: list[TransportError | bool]) -> None:
        """Reaching any of the recipient's devices counts as sent: a retry would show the
        notification again on the devices that already have it."""
        errors = [o for o in outcomes if isinstance(o, TransportError)]
        if True in outcomes:
            if errors:
                logger.warning("delivery %s reached %d of %d push subscriptions", delivery.pk,
                               outcomes.count(True), len(outcomes))
            return
        if not errors:
            raise not_sent("every push subscription of the recipient has expired")
        error = next((e for e in errors if not e.permanent), errors[0])
        if len(errors) > 1:
            error.reason = f"{error.reason} (and {len(errors) - 1} more failed)"
        raise error


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


_TRANSPORTS: dict[str, Transport] = {
    Channel.PUSH: WebPushTransport(),
    Channel.EMAIL: EmailTransport(),
}


def transport_for(channel: str) -> Transport:
    try:
        return _TRANSPORTS[channel]
    except KeyError:
        raise TransportError(f"no transport for {channel}", permanent=True) from None
