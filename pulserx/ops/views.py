"""`/healthz`: the health report as JSON, 200 when healthy and 503 when not.

Render's health checker sends the service's own host name (a custom domain, else the
onrender.com one), which ALLOWED_HOSTS already admits, so the Host check stays on here too.
The path is exempt from the HTTPS redirect (SECURE_REDIRECT_EXEMPT) because the checker
talks to the instance directly.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from pulserx.ops.health import collect


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The public sees only whether PulseRx is healthy; operators who send
    `Authorization: Bearer <PULSERX_HEALTH_TOKEN>` get the whole report (worker pid and
    memory, queue depths, ages)."""
    report = collect()
    status = 200 if report["healthy"] else 503
    if not is_operator(request):
        return JsonResponse({"healthy": report["healthy"]}, status=status)
    return JsonResponse(report, status=status)


def is_operator(request: HttpRequest) -> bool:
    token: str = settings.PULSERX_HEALTH_TOKEN
    sent = request.headers.get("Authorization", "").removeprefix("Bearer ")
    return bool(token) and hmac.compare_digest(sent.encode(), token.encode())
