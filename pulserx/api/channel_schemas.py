"""The shapes of the channel operations, one per service, built from the catalogue: each
service's fields with the very pattern `catalogue.Field.clean` checks, so the OpenAPI
document says exactly which settings PulseRx takes (a request is one of the services, told
apart by `service`). The catalogue checks the values, so a refusal says what the field
takes in words ("Chat id: a number such as …"), as on the Settings page."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from ninja import Field, Schema
from pydantic import ConfigDict, StrictBool, create_model

from pulserx.notifications.channels import catalogue
from pulserx.notifications.channels.editing import KIND_CHOICES, MAX_NAME
from pulserx.plaintext import NAME_PATTERN

Kind = Literal["for_reminders", "for_realerts", "for_missed", "for_refills"]
assert list(Kind.__args__) == KIND_CHOICES  # type: ignore[attr-defined]
Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME, pattern=NAME_PATTERN,
                            description="Spaces around it are dropped.")]
Kinds = Annotated[list[Kind] | None, Field(
    description="The kinds of message it carries; left out: all of them.")]
MedicationIds = Annotated[list[Annotated[int, Field(ge=1, le=2**63 - 1)]] | None, Field(
    max_length=100, description="Only messages about these medications (ids of the caller's "
                                "medications, or of their patients'); empty: every "
                                "medication. A summary of several doses reaches it still.")]
KindsChange = Annotated[list[Kind] | None, Field(
    description="The kinds of message it carries from now on; left out: unchanged.")]


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


def tag(spec: catalogue.ServiceSpec) -> Any:
    """The type of `service` in this service's shapes: its value, nothing else."""
    return Literal[spec.service.value]


def title(spec: catalogue.ServiceSpec) -> str:
    return spec.service.value.capitalize()


def field_of(item: catalogue.Field, *, change: bool) -> tuple[Any, Any]:
    """(type, pydantic Field) of one service field. In a change every field may be left
    out, and a secret left empty keeps the saved one."""
    may_be_empty = not item.required or (change and item.secret)
    pattern = f"^(?:{item.form})$" if not may_be_empty else f"^(?:{item.form})?$"
    description = item.label + (f": {item.hint}" if item.hint else "")
    if item.server:
        description += (". An IP address on a loopback, private or link-local network is "
                        "refused unless the operator allows it (PULSERX_CHANNEL_HOSTS)")
    if change:
        default: Any = None
        description += (". Left out (or null): the saved value stays" +
                        ("; empty: the saved secret stays." if item.secret else "."))
    else:
        default = item.default if (item.default or not item.required) else ...
    kind = str | None if change else str
    # Stated here, checked by the catalogue: its refusal names the field and what it takes.
    stated: dict[str, Any] = {"pattern": pattern}
    if item.max_length:
        stated["maxLength"] = item.max_length
    return kind, Field(default, description=description, json_schema_extra=stated)


def settings_model(spec: catalogue.ServiceSpec, *, change: bool) -> type[Schema]:
    fields = {item.name: field_of(item, change=change) for item in spec.fields}
    if change:
        fields["service"] = (tag(spec), Field(
            description="The channel's service (a channel keeps its service)."))
    name = f"{title(spec)}Settings" + ("Change" if change else "")
    return create_model(name, __base__=Strict, **fields)  # type: ignore[call-overload, no-any-return]


def _union(models: list[type[Schema]]) -> Any:
    return Annotated[Union[tuple(models)], Field(discriminator="service")]  # noqa: UP007


_SERVICES = list(catalogue.SERVICES.values())
_SETTINGS = {spec.service: settings_model(spec, change=False) for spec in _SERVICES}

ChannelIn = _union([create_model(  # type: ignore[call-overload]
    f"{title(spec)}ChannelIn", __base__=Strict,
    service=(tag(spec), ...), name=(Name, ...),
    settings=(_SETTINGS[spec.service], ...), kinds=(Kinds, None),
    medications=(MedicationIds, None)) for spec in _SERVICES])

ChannelTestIn = _union([create_model(  # type: ignore[call-overload]
    f"{title(spec)}ChannelTestIn", __base__=Strict,
    service=(tag(spec), ...), settings=(_SETTINGS[spec.service], ...))
    for spec in _SERVICES])

SettingsChange = _union([settings_model(spec, change=True) for spec in _SERVICES])


class ChannelPatch(Strict):
    name: Name | None = None
    paused: StrictBool | None = None
    kinds: KindsChange = None
    medications: MedicationIds = None
    settings: SettingsChange | None = Field(  # type: ignore[valid-type]
        None, description="New settings: `service` must be the channel's own.")
