"""Every answer under /api/ is JSON, errors included.

The API's own refusals are JSON already; what Django answers by itself (an unknown path, a
wrong method, a body over the upload limit, a server error with DEBUG off) would be an HTML
page. This middleware turns those into `{"detail": …}` with the same status.
"""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse

API_PREFIX = "/api/"


def is_json(response: HttpResponse) -> bool:
    kind = response.get("Content-Type", "").split(";")[0].strip()
    return kind == "application/json" or kind.endswith("+json")


def error_as_json(status: int) -> JsonResponse:
    try:
        detail = HTTPStatus(status).phrase
    except ValueError:
        detail = "Error"
    return JsonResponse({"detail": f"{detail}."}, status=status)


class APIErrorsAsJSON:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (request.path.startswith(API_PREFIX) and response.status_code >= 400
                and not is_json(response)):
            replacement = error_as_json(response.status_code)
            for header in ("Allow", "Retry-After", "WWW-Authenticate"):
                if header in response:
                    replacement[header] = response[header]
            return replacement
        return response

    def process_exception(self, request: HttpRequest,
                          exception: Exception) -> HttpResponse | None:
        if request.path.startswith(API_PREFIX) and isinstance(exception, RequestDataTooBig):
            return JsonResponse({"detail": "The body is larger than this server accepts."},
                                status=413)
        return None
