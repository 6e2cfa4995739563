"""Headers every response carries: a Content-Security-Policy (Django 5.2 has no built-in
CSP), and `Cache-Control: no-store` on whatever is personal or shows a secret; and the
clock format each page is written in."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

from pulserx.clock_format import reading_as
from pulserx.logredact import carries_secret
from pulserx.memory import release_free_memory
from pulserx.wall_time import language_writes_twelve_hour

# {socket}: the site's own WebSocket origin (wss:// over https), the only other place the
# pages' scripts may connect to.
POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self' {socket}",
    "worker-src 'self'",
    "manifest-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
])


# Django's admin sets a few inline style attributes; its scripts are all files.
ADMIN_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
])


def own_socket_origin(request: HttpRequest) -> str:
    try:
        host = request.get_host()
    except DisallowedHost:
        return ""
    return f"{'wss' if request.is_secure() else 'ws'}://{host}"


def content_security_policy(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if request.path.startswith("/admin/"):
            policy = ADMIN_POLICY
        else:
            policy = POLICY.format(socket=own_socket_origin(request)).replace(" ;", ";")
        response.headers.setdefault("Content-Security-Policy", policy)
        return response

    return middleware


def is_personal(request: HttpRequest) -> bool:
    """Signed in (session or token), or a URL that is itself a secret."""
    user = getattr(request, "user", None)
    return bool((user is not None and user.is_authenticated)
                or "HTTP_AUTHORIZATION" in request.META or carries_secret(request.path))


def private_responses(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """No browser or proxy keeps a copy of a personal answer (Settings shows the calendar's
    secret address, every page shows health data), unless the view chose its own caching."""
    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if "Cache-Control" not in response and is_personal(request):
            add_never_cache_headers(response)
        return response

    return middleware


# A request that kept its thread busy this long built enough objects to leave freed pages
# behind in the C heap; handing them back costs about a millisecond.
HEAVY_REQUEST_CPU_SECONDS = 0.2


def release_memory_after_heavy_requests(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """The web process's RSS returns near where it was after a heavy answer (a busy
    account's feed or day) instead of staying at its peak."""
    def middleware(request: HttpRequest) -> HttpResponse:
        started = time.thread_time()
        response = get_response(request)
        if time.thread_time() - started > HEAVY_REQUEST_CPU_SECONDS:
            release_free_memory()  # the view's objects are gone; its answer is one block
        return response

    return middleware


def reader_clock_format(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """Pages are written in their reader's clock format (`pulserx.clock_format`): the
    signed-in user's, or a visitor's browser language's. Read only if a time is written."""
    def twelve_hour(request: HttpRequest) -> bool:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return bool(user.twelve_hour)
        return language_writes_twelve_hour(request.headers.get("Accept-Language", ""))

    def middleware(request: HttpRequest) -> HttpResponse:
        with reading_as(lambda: twelve_hour(request)):
            return get_response(request)

    return middleware
