"""Which clock a person's times are written on: the format their browser's language uses,
remembered when they sign up, sign in and when their browser reports its zone, until they
choose one in Settings (`User.clock_format`). The rule of reading it is `User.twelve_hour`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pulserx.accounts.models import ClockFormat, User
from pulserx.wall_time import language_writes_twelve_hour


def language_clock_format(request: HttpRequest) -> ClockFormat:
    """The clock format the browser's first language writes times in."""
    twelve = language_writes_twelve_hour(request.headers.get("Accept-Language", ""))
    return ClockFormat.TWELVE_HOUR if twelve else ClockFormat.TWENTY_FOUR_HOUR


def remember_language_clock(request: HttpRequest | None, user: User) -> None:
    """Keep the user's language default up to date with the browser they use now (one
    UPDATE, only when it changed)."""
    if request is None:
        return
    found = language_clock_format(request)
    if user.language_clock_format != found:
        user.language_clock_format = found
        User.objects.filter(pk=user.pk).update(language_clock_format=found)


def remember_on_sign_in(sender: Any, request: HttpRequest | None, user: User,
                        **kwargs: Any) -> None:
    """user_logged_in: the browser signing in tells its language."""
    remember_language_clock(request, user)


class ClockFormatForm(forms.ModelForm):
    """Settings → How times are written."""

    clock_format = forms.ChoiceField(label=gettext_lazy("Write times"), widget=forms.RadioSelect,
                                     required=False)

    class Meta:
        model = User
        fields = ("clock_format",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        default = ClockFormat(self.instance.language_clock_format).label
        field = self.fields["clock_format"]
        assert isinstance(field, forms.ChoiceField)
        # Translators: %(default)s is like "24-hour (20:00)".
        field.choices = [("", _("As my browser's language writes them (now %(default)s)")
                          % {"default": default}),
                         *ClockFormat.choices]
