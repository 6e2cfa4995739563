"""The form of one service's channel, built from its fields in the catalogue."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pulserx.notifications.channels.catalogue import ServiceSpec
from pulserx.notifications.channels.editing import KIND_LABELS, ChannelError


class ChannelForm(forms.Form):
    """Name, the service's fields (secrets never shown back), and the kinds it carries.
    The checks themselves are `channels.editing`'s; this form only collects."""

    name = forms.CharField(max_length=60, label=gettext_lazy("Name"),
                           help_text=gettext_lazy("How PulseRx names this channel to you, "
                                                  "e.g. “My phone”."))
    kinds = forms.MultipleChoiceField(
        # Translators: followed by the kinds of message a channel carries.
        label=gettext_lazy("Send"), choices=list(KIND_LABELS.items()), required=False,
        widget=forms.CheckboxSelectMultiple, initial=list(KIND_LABELS))

    medications = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Only for these medications"), coerce=int, required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None ticked: every medication. A summary of several missed "
                               "doses is sent all the same."))

    def __init__(self, spec: ServiceSpec, *args: Any, editing: bool = False,
                 medications: list[tuple[int, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.spec = spec
        if medications:
            self.fields["medications"].choices = medications  # type: ignore[attr-defined]
        else:
            del self.fields["medications"]
        for item in spec.fields:
            help_text = item.hint
            if item.secret and editing:
                help_text = _("Leave empty to keep the one saved.")
            self.fields[f"s_{item.name}"] = forms.CharField(
                label=item.label, required=False, help_text=help_text, initial=item.default,
                widget=forms.PasswordInput(render_value=False) if item.secret
                else forms.TextInput)

    def settings_values(self) -> dict[str, str]:
        """The service's fields as typed, without the spaces a paste brings along."""
        return {item.name: str(self.data.get(f"s_{item.name}", "")).strip()
                for item in self.spec.fields}

    def add_channel_error(self, error: ChannelError) -> None:
        name = error.field if error.field in ("name", "kinds") else f"s_{error.field}"
        self.add_error(name if name in self.fields else None, str(error))
