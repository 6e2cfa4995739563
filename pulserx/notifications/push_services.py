"""Which hosts PulseRx will POST Web Push messages to.

A subscription's endpoint is a URL the browser hands us; without a check, anyone signed in
could make the worker send requests to any address it can reach (internal services, cloud
metadata). Only the push services of the browsers are accepted.

The endpoint is read with urllib3's `parse_url`, the parser requests (under pywebpush) uses
to decide where to connect: two parsers disagreeing on a URL such as
`https://127.0.0.1\\@fcm.googleapis.com/` is how a check is bypassed. What is sent is the URL
rebuilt from the checked parts, and `PinnedAdapter` checks every request (redirects too)
again just before it connects.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

PUSH_PORT = 443
# Printable ASCII without backslash or whitespace: anything else is read differently by
# different URL parsers.
_SAFE_URL = re.compile(r"^[!-\[\]-~]+$")
_HOST_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")


def checked_endpoint(endpoint: str) -> str | None:
    """The endpoint rebuilt from its parts when it points at an allowed push service (https,
    a host name, port 443, no user info); None otherwise.

    An entry of PULSERX_PUSH_SERVICE_HOSTS starting with a dot allows that domain's
    subdomains; an entry naming `host:port` allows exactly that origin (an operator's
    choice, e.g. a push service on loopback in tests)."""
    if not isinstance(endpoint, str) or len(endpoint) > 1000 or not _SAFE_URL.match(endpoint):
        return None
    try:
        url = parse_url(endpoint)
    except LocationParseError:
        return None
    host = (url.host or "").lower()
    if url.scheme != "https" or url.auth is not None or not host or url.fragment is not None:
        return None
    origin = f"{host}:{url.port or PUSH_PORT}"
    if not (origin in _exact_origins() or (_is_host_name(host) and url.port in (None, PUSH_PORT)
                                           and _allowed_name(host))):
        return None
    query = f"?{url.query}" if url.query is not None else ""
    port = "" if url.port in (None, PUSH_PORT) else f":{url.port}"
    return f"https://{host}{port}{url.path or '/'}{query}"


def is_push_service(endpoint: str) -> bool:
    return checked_endpoint(endpoint) is not None


def _is_host_name(host: str) -> bool:
    """A DNS name, never an IP literal (v4, v6, or a number urllib3 would read as one)."""
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return bool(_HOST_NAME.match(host)) and not host.rsplit(".", 1)[-1].isdigit()
    return False


def _allowed_name(host: str) -> bool:
    for allowed in settings.PULSERX_PUSH_SERVICE_HOSTS:
        allowed = allowed.lower()
        if ":" in allowed:
            continue
        if host == allowed or (allowed.startswith(".") and host.endswith(allowed)):
            return True
    return False


def _exact_origins() -> set[str]:
    return {entry.lower() for entry in settings.PULSERX_PUSH_SERVICE_HOSTS if ":" in entry}


class PinnedAdapter(HTTPAdapter):
    """Refuses to connect anywhere but a checked push service, on every request the session
    sends (a push service's redirect included)."""

    def send(self, request: requests.PreparedRequest, *args: Any,  # type: ignore[override]
             **kwargs: Any) -> requests.Response:
        if request.url is None or checked_endpoint(request.url) is None:
            raise requests.exceptions.InvalidURL("not an allowed push service")
        return super().send(request, *args, **kwargs)


def pinned_session() -> requests.Session:
    session = requests.Session()
    adapter = PinnedAdapter()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session
