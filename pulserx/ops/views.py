"""`/healthz`: the health report as JSON, 200 when healthy and 503 when not.

Render's health checker sends the service's own host name (a custom domain, else the
onrender.com one), which ALLOWED_HOSTS already admits, so the Host check stays on here too.
The path is exempt from the HTTPS redirect (SECURE_REDIRECT_EXEMPT) because the checker
talks to the instance directly.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from pulserx.ops.health import collect


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    report = collect()
    return JsonResponse(report, status=200 if report["healthy"] else 503)
