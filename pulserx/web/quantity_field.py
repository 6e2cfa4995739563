"""The form field of every decimal number a person types on a page (stock, pack size, refill
level, hours apart, the amount each time): read with the reader's decimal separator or the
point ("0,5" or "0.5" in German), shown back as they write it ("0,5"), anything else refused
with an example in their own writing.

A text input with a decimal keypad (`inputmode`), not `<input type="number">`: some browsers
refuse or silently drop a comma in a number input, whatever the page's language.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext

from pulserx.reminders.amounts import read_quantity, written_quantity


def not_a_quantity() -> str:
    """The error for a number that cannot be read, with an example as the reader writes it."""
    # Translators: %(example)s is a half written the reader's way ("0.5", "0,5").
    return gettext("Enter a number such as %(example)s.") % {
        "example": written_quantity(Decimal("0.5"))}


class QuantityField(forms.DecimalField):
    """A decimal number on the reader's terms; `cleaned_data` holds a Decimal (or None)."""

    widget = forms.TextInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs["localize"] = True  # a text input, and values shown the reader's way
        super().__init__(**kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        return {**super().widget_attrs(widget), "inputmode": "decimal", "autocomplete": "off"}

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal):
            return value
        try:
            return read_quantity(str(value))
        except ValueError:
            raise forms.ValidationError(not_a_quantity(), code="invalid") from None

    def run_validators(self, value: Any) -> None:
        """Django's limits ("greater than or equal to 0.25") with the limit written the
        reader's way ("0,25")."""
        try:
            super().run_validators(value)
        except forms.ValidationError as refused:
            for error in refused.error_list:
                limit = (error.params or {}).get("limit_value")
                if isinstance(limit, int | Decimal):
                    error.params = {**(error.params or {}),
                                    "limit_value": written_quantity(Decimal(limit))}
            raise

    def prepare_value(self, value: Any) -> Any:
        """A stored number as the reader writes it ("0,5", never "0.50"); typed text as
        typed."""
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            return written_quantity(Decimal(str(value)))
        return value
