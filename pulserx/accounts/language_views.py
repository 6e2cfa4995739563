"""Settings → Language: the language PulseRx's pages, reminders and emails are written in.

The choice is kept on the account (`User.language`) and in Django's language cookie, so the
very next page is already in it."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from pulserx.accounts.models import User


def language_choices() -> list[tuple[str, str]]:
    """The site's languages, each named in its own language ("Deutsch", "العربية")."""
    choices = []
    for code, name in settings.LANGUAGES:
        try:
            local = translation.get_language_info(code)["name_local"]
        except KeyError:
            local = str(name)
        choices.append((code, local))
    return choices


class LanguageForm(forms.Form):
    language = forms.ChoiceField()

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["language"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = language_choices()


@login_required
@require_POST
def language_settings(request: HttpRequest) -> HttpResponse:
    """Save the chosen language on the account and in the language cookie; a code that is
    not one of settings.LANGUAGES changes nothing."""
    response = redirect("account_settings")
    form = LanguageForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Choose one of the languages listed."))
        return response
    code = form.cleaned_data["language"]
    user = request.user
    assert isinstance(user, User)
    user.language = code
    user.save(update_fields=["language"])
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, code,
        max_age=settings.LANGUAGE_COOKIE_AGE, path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN, secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY, samesite=settings.LANGUAGE_COOKIE_SAMESITE)  # type: ignore[arg-type]
    with translation.override(code):
        # The confirmation is read on the next page, which is already in the new language.
        messages.success(request, gettext("Pages are now written in this language."))
    return response
