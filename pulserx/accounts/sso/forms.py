"""What a new account signed up through a provider is asked: what sign-up asks that the
provider does not say (the provider gave the address, and no password is needed)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from pulserx.accounts.forms import SignUpForm, require_home_zone


class FinishForm(forms.Form):
    first_name = forms.CharField(
        label=gettext_lazy("Your name"), max_length=150,
        help_text=gettext_lazy("How PulseRx and your caregivers will address you."),
        widget=forms.TextInput(attrs={"autocomplete": "name", "autofocus": True}))
    # The sign-up form's own fields: the same choices, the same time zone list and autofill.
    account_type = SignUpForm.declared_fields["account_type"]
    timezone = SignUpForm.declared_fields["timezone"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        require_home_zone(self)
        return self.cleaned_data
