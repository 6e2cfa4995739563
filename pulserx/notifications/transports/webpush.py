"""Web Push: RFC 8030 delivery, RFC 8291 (aes128gcm) encryption, RFC 8292 VAPID."""

from __future__ import annotations

import binascii
import functools
import json
import time

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from py_vapid import Vapid

from pulserx.notifications import push_services
from pulserx.notifications.models import Channel, Delivery, DeliveryCause, PushSubscription
from pulserx.notifications.push_services import checked_endpoint
from pulserx.notifications.render import stored_message
from pulserx.notifications.shapes import push_payload
from pulserx.notifications.transports.base import (
    Transport,
    TransportError,
    ensure_still_wanted,
    load_notification,
    logger,
    not_sent,
)
from pulserx.notifications.vapid import b64url, b64url_decode

# How long a push service may trust one VAPID signature (RFC 8292 allows up to 24 h).
VAPID_VALIDITY_S = 12 * 3600


def encrypted(data: bytes, subscription: PushSubscription) -> bytes:
    """`data` encrypted for the subscription's browser (RFC 8291, aes128gcm), with a fresh
    server key for every message. ValueError when the stored keys are unusable."""
    try:
        receiver_key = b64url_decode(subscription.p256dh)
        auth_secret = b64url_decode(subscription.auth)
    except (binascii.Error, ValueError) as error:
        raise ValueError("the subscription's keys are not base64url") from error
    return http_ece.encrypt(data, private_key=ec.generate_private_key(ec.SECP256R1()),
                            dh=receiver_key, auth_secret=auth_secret, version="aes128gcm")


def vapid_headers(signer: Vapid, endpoint: push_services.Endpoint) -> dict[str, str]:
    """The Authorization header: a VAPID token for the endpoint's origin (RFC 8292)."""
    origin = endpoint._replace(target="").url
    claims = {"sub": settings.VAPID_SUBJECT, "aud": origin,
              "exp": int(time.time()) + VAPID_VALIDITY_S}
    headers: dict[str, str] = signer.sign(claims)
    return headers


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
        raise not_sent(problem, DeliveryCause.NOT_SET_UP)
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
            raise not_sent("the recipient has no push subscription", DeliveryCause.NO_DEVICE)
        message = stored_message(notification)
        data = json.dumps(push_payload(message), separators=(",", ":")).encode()
        urgency = "high" if message.actionable else "normal"
        outcomes = [self.push(signer, subscription, data, urgency)
                    for subscription in subscriptions]
        self.conclude(delivery, outcomes)

    def push(self, signer: Vapid, subscription: PushSubscription, data: bytes,
             urgency: str) -> TransportError | bool:
        """True when the push service accepted it, False when the subscription is gone
        (and now deleted), else the error."""
        # Sent to the URL rebuilt from the checked parts, not the string as stored.
        endpoint = push_services.parsed_endpoint(subscription.endpoint)
        assert endpoint is not None
        try:
            body = encrypted(data, subscription)
        except ValueError:
            return TransportError("the push subscription's keys are invalid",
                                  cause=DeliveryCause.SUBSCRIPTION_ENDED, permanent=True)
        headers = {"Content-Encoding": "aes128gcm", "Content-Type": "application/octet-stream",
                   "TTL": str(int(settings.PULSERX_PUSH_TTL.total_seconds())),
                   "Urgency": urgency, **vapid_headers(signer, endpoint)}
        try:
            status = push_services.post(endpoint.url, body, headers,
                                        timeout=settings.PULSERX_PUSH_TIMEOUT)
        except OSError as error:
            return TransportError(f"the push service could not be reached "
                                  f"({type(error).__name__})", cause=DeliveryCause.UNREACHABLE)
        if status in (404, 410):
            PushSubscription.objects.filter(pk=subscription.pk).delete()
            logger.info("push subscription %s is gone (HTTP %s), deleted",
                        subscription.pk, status)
            return False
        if not 200 <= status <= 202:
            refused = 400 <= status < 500 and status != 429
            return TransportError(f"the push service answered HTTP {status}", permanent=refused,
                                  cause=DeliveryCause.OURS if refused
                                  else DeliveryCause.UNREACHABLE)
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
            raise not_sent("every push subscription of the recipient has expired",
                           DeliveryCause.SUBSCRIPTION_ENDED)
        error = next((e for e in errors if not e.permanent), errors[0])
        if len(errors) > 1:
            error.reason = f"{error.reason} (and {len(errors) - 1} more failed)"
        raise error


