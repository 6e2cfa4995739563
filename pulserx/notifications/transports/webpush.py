"""Web Push: RFC 8030 delivery, RFC 8291 (aes128gcm) encryption, RFC 8292 VAPID."""

from __future__ import annotations

import base64
import functools
import json

import requests
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

from pulserx.notifications.models import Channel, Delivery, PushSubscription
from pulserx.notifications.push_services import checked_endpoint, pinned_session
from pulserx.notifications.render import push_payload, stored_message
from pulserx.notifications.transports.base import (
    Transport,
    TransportError,
    ensure_still_wanted,
    load_notification,
    logger,
    not_sent,
)


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


class WebPushTransport(Transport):
    def send(self, delivery: Delivery) -> None:
        signer = vapid_signer()
        notification = load_notification(delivery)
        ensure_still_wanted(notification, Channel.PUSH)
        subscriptions = [s for s in PushSubscription.objects.filter(
            user_id=notification.recipient_id) if checked_endpoint(s.endpoint)]
        if not subscriptions:
            raise not_sent("the recipient has no push subscription")
        message = stored_message(notification)
        data = json.dumps(push_payload(message), separators=(",", ":"))
        urgency = "high" if message.actionable else "normal"
        with pinned_session() as session:
            outcomes = [self.push(session, signer, subscription, data, urgency)
                        for subscription in subscriptions]
        self.conclude(delivery, outcomes)

    def push(self, session: requests.Session, signer: Vapid, subscription: PushSubscription,
             data: str, urgency: str) -> TransportError | bool:
        """True when the push service accepted it, False when the subscription is gone
        (and now deleted), else the error."""
        # Sent to the URL rebuilt from the checked parts, not the string as stored.
        info = {"endpoint": checked_endpoint(subscription.endpoint),
                "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth}}
        try:
            webpush(info, data, vapid_private_key=signer,
                    vapid_claims={"sub": settings.VAPID_SUBJECT},  # fresh: webpush adds aud
                    ttl=int(settings.PULSERX_PUSH_TTL.total_seconds()),
                    timeout=settings.PULSERX_PUSH_TIMEOUT,
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


