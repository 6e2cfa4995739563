"""A Web Push service on loopback for the benchmarks: HTTPS with a self-signed certificate,
answering 201 to every push and counting them. It checks nothing; the tests' push service
(tests/notifications/conftest.py) decrypts and verifies what it receives."""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import secrets
import ssl
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, and its key, written to `directory`. The
    tests' push service uses it too."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([
            x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .sign(key, hashes.SHA256()))
    cert, private = directory / "cert.pem", directory / "key.pem"
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    private.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                          serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    return cert, private


def certificate_for(names: list[str], directory: Path) -> tuple[Path, Path]:
    """A certificate for the host `names` (and 127.0.0.1), and its key: services reached
    under their public names on loopback (the channel tests and benchmark)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.DNSName(n) for n in names]
                + [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "services.pem", directory / "services.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class LoopbackPushService:
    """`with LoopbackPushService() as service:` ... `service.received` pushes so far."""

    def __init__(self) -> None:
        self.received = 0
        self._lock = threading.Lock()
        self._dir = tempfile.TemporaryDirectory(prefix="pulserx-bench-push-")
        self.cert, key = self_signed(Path(self._dir.name))
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with service._lock:
                    service.received += 1
                self.send_response(201)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, key)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.origin = f"127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LoopbackPushService:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._dir.cleanup()

    def subscribe(self, user_ids: list[int]) -> None:
        """A browser subscription (a real P-256 key pair) for each user."""
        from pulserx.notifications.models import PushSubscription

        PushSubscription.objects.bulk_create([PushSubscription(
            user_id=user_id, endpoint=f"https://{self.origin}/push/{secrets.token_urlsafe(12)}",
            p256dh=b64url(ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)),
            auth=b64url(secrets.token_bytes(16))) for user_id in user_ids])

    def worker_env(self) -> dict[str, str]:
        """What a worker needs to push here: VAPID keys, this origin allowed, its
        certificate trusted."""
        from pulserx.notifications.vapid import new_vapid_keys

        public, private = new_vapid_keys()
        return {"VAPID_PUBLIC_KEY": public, "VAPID_PRIVATE_KEY": private,
                "VAPID_SUBJECT": "mailto:bench@example.org",
                "PULSERX_PUSH_SERVICE_HOSTS": self.origin, "SSL_CERT_FILE": str(self.cert)}
