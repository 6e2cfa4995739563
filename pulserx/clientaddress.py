"""The client's address: the one the platform's proxy saw, never one the client wrote.

Each trusted proxy in front of PulseRx appends the address it received the connection from to
`X-Forwarded-For`; whatever the client sent itself stays to the left of those entries. With
PULSERX_PROXY_HOPS proxies in front, the entry that many places from the right is the address
the outermost proxy saw. With no hops configured (the default, and `make run`) the header is
ignored and the address is the connection's own. Everything that keys on a client address
(the sign-in lockout, the addresses of Settings → Signed-in sessions) reads it here.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str | None:
    """The client's IP address as the outermost trusted proxy saw it; the connection's
    address when no proxy is trusted or the header is not what the proxies would write."""
    connection = _ip(request.META.get("REMOTE_ADDR", ""))
    hops = settings.PULSERX_PROXY_HOPS
    if hops <= 0:
        return connection
    entries = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    if len(entries) < hops:
        return connection
    return _ip(entries[-hops]) or connection


def _ip(entry: str) -> str | None:
    """An address written bare, `host:port` or `[v6]:port`, normalised; None if it is not
    an IP address."""
    text = entry.strip()
    if text.startswith("[") and "]" in text:
        text = text[1:text.index("]")]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None
