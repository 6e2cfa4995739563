"""The files that make PulseRx an installable web app: the service worker and the manifest,
served from the site's root."""

from __future__ import annotations

import functools
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

STATIC_DIR = Path(settings.BASE_DIR) / "pulserx" / "web" / "static" / "pulserx"


@functools.cache
def static_text(name: str) -> str:
    return (STATIC_DIR / name).read_text(encoding="utf-8")


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """Served from / (not /static/) so it may control every page; never cached so an
    update reaches browsers on their next visit."""
    response = HttpResponse(static_text("sw.js"), content_type="text/javascript")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def web_manifest(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(static_text("manifest.webmanifest"),
                            content_type="application/manifest+json")
    response["Cache-Control"] = "no-cache"
    return response
