"""The API docs page, served from our own origin.

django-ninja serves its Swagger UI from our static files only when "ninja" is an installed
app, and otherwise from a CDN, which the Content-Security-Policy forbids. Installing it as an
app would import ninja and pydantic into every process at start-up, the worker included
(~11 MB of its RSS), so settings point the template and static finders at ninja's files
instead and this class always renders the local template.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja import NinjaAPI
from ninja.openapi.docs import Swagger, _csrf_needed


class LocalSwagger(Swagger):
    """Swagger UI in our own page (api/docs.html): a language, a main landmark, readable
    colours and headings in order (pulserx/api_docs.css and .js). Deep links are off: they
    put a link inside each operation's expand button, a control nested in a control."""

    template = "api/docs.html"

    def __init__(self) -> None:
        # Highlighted code colours numbers below AA contrast on its dark background.
        super().__init__({"deepLinking": False, "syntaxHighlight": False})

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        self.settings["url"] = self.get_openapi_url(api, kwargs)
        context = {"swagger_settings": json.dumps(self.settings, indent=1), "api": api,
                   "add_csrf": _csrf_needed(api)}
        return render(request, self.template, context)
