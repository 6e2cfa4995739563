"""Small forms of the pages (the medication form is in medication_forms.py)."""

from __future__ import annotations

from django import forms

from pulserx.reminders.actions import SNOOZE_REFUSED
from pulserx.reminders.models import SNOOZE_CHOICES


class SnoozeForm(forms.Form):
    minutes = forms.TypedChoiceField(
        choices=[(m, f"{m} minutes") for m in SNOOZE_CHOICES], coerce=int,
        error_messages={"required": "Choose how long to snooze.",
                        "invalid_choice": SNOOZE_REFUSED},
    )


class SinceForm(forms.Form):
    """`?after=<id>`: the last notification id the page has seen."""

    after = forms.IntegerField(min_value=0, initial=0, required=False)
