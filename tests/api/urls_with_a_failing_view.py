"""The project's URLs plus an API path whose view fails, as an unforeseen bug would."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from pulserx.urls import urlpatterns as project_urls


def failing_view(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("an unforeseen bug")


urlpatterns = [path("api/v1/failing", failing_view), *project_urls]
