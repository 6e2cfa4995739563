"""How a page endpoint answers the three kinds of caller it has: htmx (an HTML fragment),
live.js (JSON) and a plain form without JavaScript (a redirect with a message)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def redirect_back(request: HttpRequest, fallback: str) -> HttpResponse:
    """Back to the page the form was on (`next`), if it is one of ours."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        return redirect(fallback)
    return redirect(target)


def attachment(content: bytes | str, content_type: str, filename: str) -> HttpResponse:
    """A download that no shared cache keeps (exports are health data)."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
