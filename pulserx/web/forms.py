"""Small forms of the pages (the medication form is in medication_forms.py)."""

from __future__ import annotations

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy, ngettext

from pulserx.reminders.actions import SNOOZE_REFUSED
from pulserx.reminders.models import SNOOZE_CHOICES


def _minutes_words(minutes: int) -> str:
    return ngettext("%(count)s minute", "%(count)s minutes", minutes) % {"count": minutes}


# "5 minutes", said in the reader's language when the form is drawn.
minutes_words = lazy(_minutes_words, str)


class SnoozeForm(forms.Form):
    minutes = forms.TypedChoiceField(
        choices=[(m, minutes_words(m)) for m in SNOOZE_CHOICES], coerce=int,
        error_messages={"required": gettext_lazy("Choose how long to snooze."),
                        "invalid_choice": SNOOZE_REFUSED},
    )


class SinceForm(forms.Form):
    """`?after=<id>`: the last notification id the page has seen."""

    after = forms.IntegerField(min_value=0, initial=0, required=False)
