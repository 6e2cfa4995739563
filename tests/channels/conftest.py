"""Services on loopback that speak their documented HTTP APIs, and the DNS seam.

`LoopbackAPI` records every request and answers with what the test's `respond` returns.
Services with a fixed public host (Telegram, Pushover, Discord, Twilio) are reached by their
real names: `names_resolve_to` makes those names resolve to the loopback server (the seam
is `addresses.resolve`, PulseRx's own DNS lookup) and the server presents a certificate for
them, trusted through REQUESTS_CA_BUNDLE.
"""

from __future__ import annotations

import json
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from bench.push_service import certificate_for
from pulserx.accounts.models import Patient
from pulserx.notifications.channels import addresses
from pulserx.reminders.models import Dose, DoseStatus, Medication


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


Respond = Callable[[Request], tuple[int, Any]]


@dataclass
class LoopbackAPI:
    respond: Respond
    received: list[Request] = field(default_factory=list)
    port: int = 0
    failures: int = 0  # answer the next N requests that `fail_when` picks with HTTP 500
    fail_when: Callable[[Request], bool] = lambda request: True

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def handle(self, request: Request) -> tuple[int, Any]:
        self.received.append(request)
        if self.failures and self.fail_when(request):
            self.failures -= 1
            return 500, {"error": "internal error"}
        return self.respond(request)


def serve(api: LoopbackAPI, tls: ssl.SSLContext | None = None) -> Callable[[], None]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body leave in two writes: without this, each answer waits for
        # the client's delayed ACK (40 ms), as no real service's does.
        disable_nagle_algorithm = True

        def answer(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0) or 0))
            request = Request(self.command, self.path,
                              {k.lower(): v for k, v in self.headers.items()}, body)
            status, data = api.handle(request)
            raw = data if isinstance(data, bytes) else json.dumps(data).encode()
            self.send_response(status)
            if isinstance(data, dict) and "location" in data:
                self.send_header("Location", data["location"])
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        do_GET = do_POST = do_PUT = answer

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    api.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    return stop


@pytest.fixture
def loopback_allowed(settings: SettingsWrapper) -> None:
    """The operator's allowance for a channel server on loopback (tests only)."""
    settings.PULSERX_CHANNEL_HOSTS = ["127.0.0.1"]


@pytest.fixture
def api_server(loopback_allowed: None) -> Iterator[Callable[[Respond], LoopbackAPI]]:
    stops: list[Callable[[], None]] = []

    def start(respond: Respond) -> LoopbackAPI:
        api = LoopbackAPI(respond)
        stops.append(serve(api))
        return api
    yield start
    for stop in stops:
        stop()


@pytest.fixture
def public_api(loopback_allowed: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
               ) -> Iterator[Callable[[list[str], Respond], LoopbackAPI]]:
    """A service at its public host name (https on 443), served on loopback."""
    stops: list[Callable[[], None]] = []
    real_resolve = addresses.resolve

    def start(names: list[str], respond: Respond) -> LoopbackAPI:
        cert, key = certificate_for(names, tmp_path)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        api = LoopbackAPI(respond)
        stops.append(serve(api, context))
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))

        def resolve(host: str, port: int) -> list[addresses.SockAddr]:
            if host in names:
                return [(socket.AF_INET, ("127.0.0.1", api.port))]
            return real_resolve(host, port)
        monkeypatch.setattr(addresses, "resolve", resolve)
        from pulserx.notifications.transports.outbound import forget_connections
        forget_connections()  # kept connections lead to an earlier test's server
        return api
    yield start
    for stop in stops:
        stop()


def due_dose(patient: Patient, name: str = "Metformin") -> Dose:
    medication = Medication.objects.create(patient=patient, name=name, strength="500 mg",
                                           instructions="with food", stock=Decimal(30))
    due_at = timezone.now().replace(second=0, microsecond=0)
    return Dose.objects.create(patient=patient, medication=medication, due_at=due_at,
                               amount=Decimal(2), status=DoseStatus.NOTIFIED)


@pytest.fixture(autouse=True)
def fresh_connections() -> None:
    """No connection kept by an earlier test (to its servers) is used by this one."""
    from pulserx.notifications.transports.outbound import forget_connections

    forget_connections()
