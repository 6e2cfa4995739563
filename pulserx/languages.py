"""Which language a page or a message speaks: its reader's. A signed-in user's is
`User.language` (read from their browser at sign-up, changed in Settings); a visitor's is
Django's reading of the language cookie and the browser's Accept-Language. A code nobody
supports falls back to English."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

from pulserx.accounts.models import User

ENGLISH = "en"
API_PREFIX = "/api/"


def supported(code: str | None) -> str:
    """`code` as one of settings.LANGUAGES ("de-AT" → "de", "pt-BR" and "pt-PT" → "pt-br"),
    else English."""
    try:
        return translation.get_supported_language_variant((code or ENGLISH).lower())
    except LookupError:
        return ENGLISH


def browser_language(request: HttpRequest) -> str:
    """What a visitor reads: the language cookie, else the browser's first supported one."""
    return supported(translation.get_language_from_request(request))


def is_supported(code: str) -> bool:
    return code in dict(settings.LANGUAGES)


def reader_language(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """Pages speak their reader's language (after AuthenticationMiddleware). The API speaks
    English, to programs: its errors are read by code and by the developers who write it (the
    messages it carries for people, an inbox entry's words, are in their reader's language)."""
    def middleware(request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if request.path.startswith(API_PREFIX):
            language = ENGLISH
        elif user is not None and user.is_authenticated:
            language = supported(user.language)
        else:
            language = browser_language(request)
        with translation.override(language):
            request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
            response = get_response(request)
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        response.headers.setdefault("Content-Language", language)
        return response

    return middleware


def remember_browser_language(request: HttpRequest, user: User) -> None:
    """At sign-up: the new account reads the language its browser asked for."""
    user.language = browser_language(request)
    User.objects.filter(pk=user.pk).update(language=user.language)
