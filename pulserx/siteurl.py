"""The address links point at: SITE_URL, or (while SITE_URL is left at its development
default) the address the browser used, so a server on another port links to itself.

Safe against Host-header tricks because Django only returns a host in ALLOWED_HOSTS, and
production sets SITE_URL (a deploy check insists on https://)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:  # settings import this module: keep it light
    from django.http import HttpRequest

DEFAULT_SITE_URL = "http://127.0.0.1:8000"


def site_url(request: HttpRequest | None = None) -> str:
    if request is not None and settings.SITE_URL == DEFAULT_SITE_URL:
        return f"{request.scheme}://{request.get_host()}"
    return str(settings.SITE_URL)


def dev_site_url(host: str, port: str) -> str:
    """What `make run` serves: a wildcard bind is reached through loopback."""
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"
