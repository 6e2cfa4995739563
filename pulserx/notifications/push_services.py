"""Which hosts PulseRx will POST Web Push messages to.

A subscription's endpoint is a URL the browser hands us; without a check, anyone signed in
could make the worker send requests to any address it can reach (internal services, cloud
metadata). Only the push services of the browsers are accepted.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings


def is_push_service(endpoint: str) -> bool:
    """True when `endpoint` is https and its host is one of PULSERX_PUSH_SERVICE_HOSTS
    (an entry starting with a dot allows that domain's subdomains)."""
    parts = urlsplit(endpoint)
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or not host:
        return False
    for allowed in settings.PULSERX_PUSH_SERVICE_HOSTS:
        allowed = allowed.lower()
        if host == allowed or (allowed.startswith(".") and host.endswith(allowed)):
            return True
    return False
