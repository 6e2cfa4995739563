"""A time-of-day form field that reads either clock ("8:00 PM", "20:00", "8 pm") and cleans
to the stored "HH:MM"; anything else is refused with the forms it accepts."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext

from pulserx.clock_format import accepted_formats, read_time


def not_a_time(text: str) -> str:
    """The error for a time that cannot be read, naming the accepted forms."""
    # Translators: %(text)s is what the person typed; %(accepted)s says how to write a time.
    return gettext("“%(text)s” is not a time of day. %(accepted)s") % {
        "text": text.strip(), "accepted": accepted_formats()}


def stored_time(text: str) -> str | None:
    """"HH:MM" for a time typed on either clock (with the reader's halves of the day or
    English am/pm), or None when it cannot be read."""
    try:
        return read_time(text).strftime("%H:%M")
    except ValueError:
        return None


class WallTimeField(forms.CharField):
    """A time of day on the reader's clock; `cleaned_data` holds "HH:MM" (or "")."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 12)
        kwargs.setdefault("widget", forms.TextInput(attrs={"autocomplete": "off", "size": 8}))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        text = super().to_python(value)
        if not text:
            return ""
        stored = stored_time(text)
        if stored is None:
            raise forms.ValidationError(not_a_time(text), code="invalid")
        return stored
