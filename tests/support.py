"""Small helpers shared by test modules."""

from __future__ import annotations

import socket

from django.test import Client


def https_client(enforce_csrf_checks: bool = False,
                 headers: dict[str, str] | None = None) -> Client:
    """A browser arriving over HTTPS through the proxy, as in production (where plain HTTP is
    redirected)."""
    return Client(enforce_csrf_checks=enforce_csrf_checks, headers={
        "Host": "testserver", "X-Forwarded-Proto": "https", **(headers or {})})


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
