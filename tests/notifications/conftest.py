"""Real servers on loopback for the slow channels: a Web Push service (TLS, checks VAPID,
decrypts what it receives) and an SMTP server (aiosmtpd)."""

from __future__ import annotations

import base64
import json
import secrets
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from pathlib import Path
from typing import Any

import http_ece
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from django.core.management import call_command
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from bench.push_service import self_signed
from pulserx.accounts.models import Patient, User
from pulserx.notifications.models import (
    Channel,
    Delivery,
    Notification,
    NotificationKind,
    PushSubscription,
)
from pulserx.notifications.sending import attempt_delivery
from pulserx.reminders.models import Dose, DoseStatus, Medication
from tests.support import free_port

REFUSED_ADDRESS = "nobody@refused.example.org"


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@pytest.fixture(autouse=True)
def page_settings(settings: SettingsWrapper) -> None:
    # Django's test client speaks plain http; production redirects it to https.
    settings.SECURE_SSL_REDIRECT = False


@pytest.fixture
def vapid(settings: SettingsWrapper) -> dict[str, str]:
    """A fresh key pair from `manage.py vapid_keys`, configured for the test."""
    out = StringIO()
    call_command("vapid_keys", stdout=out)
    keys = dict(line.split("=", 1) for line in out.getvalue().split())
    settings.VAPID_PUBLIC_KEY = keys["VAPID_PUBLIC_KEY"]
    settings.VAPID_PRIVATE_KEY = keys["VAPID_PRIVATE_KEY"]
    settings.VAPID_SUBJECT = "mailto:ops@pulserx.example"
    return keys


# --- a Web Push service on loopback

@dataclass
class Browser:
    """The browser side of one subscription: its ECDH key pair and auth secret."""

    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes

    @property
    def subscription_json(self) -> dict[str, Any]:
        public = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        return {"endpoint": self.endpoint, "keys": {"p256dh": b64url(public),
                                                    "auth": b64url(self.auth)}}


@dataclass
class Push:
    """One request the push service received, checked and decrypted."""

    path: str
    headers: dict[str, str]
    claims: dict[str, Any] | None = None
    payload: dict[str, Any] | None = None
    problems: list[str] = field(default_factory=list)


class PushService:
    def __init__(self, vapid_public_key: str, subject: str) -> None:
        self.vapid_public_key = vapid_public_key
        self.subject = subject
        self.browsers: dict[str, Browser] = {}
        self.answers: dict[str, int] = {}
        self.answer = 201
        self.received: list[Push] = []
        self.origin = ""

    def browser(self) -> Browser:
        path = f"/wpush/v2/{secrets.token_urlsafe(16)}"
        browser = Browser(self.origin + path, ec.generate_private_key(ec.SECP256R1()),
                          secrets.token_bytes(16))
        self.browsers[path] = browser
        return browser

    def subscribe(self, user: User) -> tuple[Browser, PushSubscription]:
        browser = self.browser()
        keys = browser.subscription_json["keys"]
        subscription = PushSubscription.objects.create(
            user=user, endpoint=browser.endpoint, p256dh=keys["p256dh"], auth=keys["auth"])
        return browser, subscription

    def receive(self, path: str, headers: dict[str, str], body: bytes) -> int:
        """Checks and decrypts one push; it joins `received` only once fully read, so a
        test that sees it there sees its payload and problems too."""
        push = Push(path, headers)
        try:
            return self.read(push, body)
        finally:
            self.received.append(push)

    def read(self, push: Push, body: bytes) -> int:
        browser = self.browsers.get(push.path)
        if browser is None:
            push.problems.append("unknown subscription")
            return 404
        push.claims = self.check_vapid(push.headers.get("authorization", ""), push.problems)
        if push.headers.get("content-encoding") != "aes128gcm":
            push.problems.append(f"content-encoding {push.headers.get('content-encoding')}")
        try:
            clear = http_ece.decrypt(body, private_key=browser.private_key,
                                     auth_secret=browser.auth, version="aes128gcm")
            push.payload = json.loads(clear)
        except Exception as error:
            push.problems.append(f"cannot decrypt: {error!r}")
        if push.problems:
            return 400
        return self.answers.get(push.path, self.answer)

    def check_vapid(self, authorization: str, problems: list[str]) -> dict[str, Any] | None:
        """RFC 8292: `vapid t=<ES256 JWT>, k=<public key>`; the JWT's aud is our origin."""
        scheme, _, params = authorization.partition(" ")
        parts = dict(p.strip().split("=", 1) for p in params.split(",") if "=" in p)
        if scheme.lower() != "vapid" or "t" not in parts or "k" not in parts:
            problems.append(f"not a VAPID authorization: {authorization!r}")
            return None
        if parts["k"] != self.vapid_public_key:
            problems.append("signed with another key")
        header_b64, claims_b64, signature_b64 = parts["t"].split(".")
        signature = b64url_decode(signature_b64)
        public_key = ec.EllipticCurvePublicKey.from_encoded_point(
            ec.SECP256R1(), b64url_decode(parts["k"]))
        try:
            public_key.verify(
                encode_dss_signature(int.from_bytes(signature[:32], "big"),
                                     int.from_bytes(signature[32:], "big")),
                f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
        except Exception:
            problems.append("bad JWT signature")
        if json.loads(b64url_decode(header_b64)).get("alg") != "ES256":
            problems.append("JWT alg is not ES256")
        claims: dict[str, Any] = json.loads(b64url_decode(claims_b64))
        if claims.get("aud") != self.origin:
            problems.append(f"aud {claims.get('aud')!r} is not {self.origin!r}")
        if claims.get("sub") != self.subject:
            problems.append(f"sub {claims.get('sub')!r}")
        if not time.time() < claims.get("exp", 0) <= time.time() + 24 * 3600:
            problems.append("exp out of range")
        return claims


@pytest.fixture
def push_service(vapid: dict[str, str], settings: SettingsWrapper, tmp_path: Path,
                 monkeypatch: pytest.MonkeyPatch) -> Iterator[PushService]:
    """A push service on https://127.0.0.1:<port>, trusted through SSL_CERT_FILE."""
    service = PushService(vapid["VAPID_PUBLIC_KEY"], settings.VAPID_SUBJECT)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            headers = {k.lower(): v for k, v in self.headers.items()}
            status = service.receive(self.path, headers, body)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    cert_path, key_path = self_signed(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    service.origin = f"https://127.0.0.1:{server.server_address[1]}"
    # An operator-pinned origin: the only way an IP literal and a port other than 443 pass.
    settings.PULSERX_PUSH_SERVICE_HOSTS = [*settings.PULSERX_PUSH_SERVICE_HOSTS,
                                           service.origin.removeprefix("https://")]
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_path))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield service
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


# --- an SMTP server on loopback

class Mailbox:
    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        if address == REFUSED_ADDRESS:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted"


@pytest.fixture
def smtp_server(settings: SettingsWrapper) -> Iterator[Mailbox]:
    """aiosmtpd on 127.0.0.1:<free port>, with Django's SMTP backend pointed at it."""
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield mailbox
    controller.stop()


# --- rows

def due_dose(patient: Patient, *, name: str = "Metformin", stock: str = "30") -> Dose:
    """A dose of a real medication that has just been reminded (status notified)."""
    medication = Medication.objects.create(
        patient=patient, name=name, strength="500 mg", instructions="with food",
        stock=Decimal(stock))
    due_at = timezone.now().replace(second=0, microsecond=0)
    return Dose.objects.create(patient=patient, medication=medication, due_at=due_at,
                               amount=Decimal(1), status=DoseStatus.NOTIFIED)


def pending_delivery(dose: Dose | None, recipient: User, channel: Channel, *,
                     kind: NotificationKind = NotificationKind.REMINDER,
                     patient: Patient | None = None) -> Delivery:
    patient = patient or (dose.patient if dose else None)
    assert patient is not None
    notification = Notification.objects.create(
        recipient=recipient, patient=patient, dose=dose, kind=kind, created_at=timezone.now())
    return Delivery.objects.create(notification=notification, channel=channel,
                                   next_attempt_at=timezone.now())


def delivered(delivery: Delivery) -> Delivery:
    """The delivery after one attempt at sending it, as the worker makes it."""
    attempt_delivery(delivery.pk)
    delivery.refresh_from_db()
    return delivery
