"""Which hosts PulseRx will POST Web Push messages to.

A subscription's endpoint is a URL the browser hands us; without a check, anyone signed in
could make the worker send requests to any address it can reach (internal services, cloud
metadata). Only the push services of the browsers are accepted.

The endpoint is read once, by `urllib.parse`, and `post` connects to exactly the host and
port that check read: two parsers disagreeing on a URL such as
`https://127.0.0.1\\@fcm.googleapis.com/` is how a check is bypassed. It never follows a
redirect, so no answer can send the worker elsewhere. Certificates are checked against the
system's trust store (OpenSSL's `SSL_CERT_FILE` names another one).
"""

from __future__ import annotations

import functools
import http.client
import ipaddress
import os
import re
import ssl
from typing import NamedTuple
from urllib.parse import urlsplit

from django.conf import settings

PUSH_PORT = 443
# A push service answers with a status and at most a short explanation.
MAX_ANSWER_BYTES = 64 * 1024
# Printable ASCII without backslash or whitespace: anything else is read differently by
# different URL parsers.
_SAFE_URL = re.compile(r"^[!-\[\]-~]+$")
_HOST_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")


class Endpoint(NamedTuple):
    host: str  # lower case; an IPv6 literal in brackets
    port: int
    target: str  # path and query

    @property
    def url(self) -> str:
        port = "" if self.port == PUSH_PORT else f":{self.port}"
        return f"https://{self.host}{port}{self.target}"


def parsed_endpoint(endpoint: str) -> Endpoint | None:
    """The parts of an endpoint that points at an allowed push service (https, a host name,
    port 443, no user info); None otherwise.

    An entry of PULSERX_PUSH_SERVICE_HOSTS starting with a dot allows that domain's
    subdomains; an entry naming `host:port` allows exactly that origin (an operator's
    choice, e.g. a push service on loopback in tests)."""
    if not isinstance(endpoint, str) or len(endpoint) > 1000 or not _SAFE_URL.match(endpoint):
        return None
    url = urlsplit(endpoint)
    try:
        port = url.port or PUSH_PORT
    except ValueError:  # not a port number
        return None
    host = url.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    if (url.scheme != "https" or "@" in url.netloc or not host or "#" in endpoint
            or not (f"{host}:{port}" in _exact_origins()
                    or (_is_host_name(host) and port == PUSH_PORT and _allowed_name(host)))):
        return None
    return Endpoint(host, port, (url.path or "/") + (f"?{url.query}" if url.query else ""))


def checked_endpoint(endpoint: str) -> str | None:
    """The endpoint rebuilt from its checked parts, or None when it is not allowed."""
    parsed = parsed_endpoint(endpoint)
    return parsed.url if parsed is not None else None


def is_push_service(endpoint: str) -> bool:
    return checked_endpoint(endpoint) is not None


def _is_host_name(host: str) -> bool:
    """A DNS name, never an IP literal (v4, v6, or a number a resolver would read as one)."""
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


class NotAPushService(ValueError):
    """The URL is not one of the allowed push services."""


@functools.lru_cache(maxsize=2)
def _tls_context(ca_file: str | None) -> ssl.SSLContext:
    return ssl.create_default_context()


def tls_context() -> ssl.SSLContext:
    """One TLS client context for every push: each holds its own copy of the trust store.
    Keyed by `SSL_CERT_FILE`, which the context reads when it is made."""
    return _tls_context(os.environ.get("SSL_CERT_FILE"))


def post(endpoint: str, body: bytes, headers: dict[str, str], timeout: float) -> int:
    """POST `body` to a checked push service endpoint; return the HTTP status of its answer.
    Raises NotAPushService for any other URL, OSError when the service cannot be reached."""
    parsed = parsed_endpoint(endpoint)
    if parsed is None:
        raise NotAPushService(endpoint)
    connection = http.client.HTTPSConnection(parsed.host, parsed.port, timeout=timeout,
                                             context=tls_context())
    try:
        connection.request("POST", parsed.target, body=body, headers=headers)
        answer = connection.getresponse()
        answer.read(MAX_ANSWER_BYTES)
        return answer.status
    except http.client.HTTPException as error:  # a malformed answer: as good as none
        raise OSError(f"the push service's answer is not HTTP ({type(error).__name__})") \
            from error
    finally:
        connection.close()
