"""The caller's own channels (ntfy, Telegram, Signal, Matrix, SMS, webhooks): the same
operations as Settings → Channels, through `pulserx.notifications.channels.editing`.

Secrets are write-only: answers show them masked. Bad input is a 422 whose `detail` names
the field and why; nothing is saved half-way.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status

from pulserx.api.auth import any_auth, caller
from pulserx.api.channel_schemas import ChannelIn, ChannelPatch, ChannelTestIn
from pulserx.api.schemas import ErrorOut
from pulserx.notifications.channels import catalogue, editing
from pulserx.notifications.channels.editing import ChannelError
from pulserx.notifications.models import UserChannel

router = Router(tags=["channels"], auth=any_auth)
_NOT_FOUND = {404: ErrorOut}


class ChannelOut(Schema):
    id: int
    service: str
    service_label: str
    name: str
    paused: bool
    settings: dict[str, str] = Field(description="The service's fields; secrets masked.")
    kinds: dict[str, bool] = Field(description="Which kinds of message it carries.")
    medications: list[int] = Field(description="Only messages about these medications; "
                                               "empty: every medication.")


class FieldOut(Schema):
    name: str
    label: str
    hint: str
    secret: bool
    required: bool
    pattern: str = Field(description="The regular expression a whole value matches.")
    default: str


class ServiceOut(Schema):
    service: str
    label: str
    fields: list[FieldOut]


class SentOut(Schema):
    sent: bool


def refused(error: ChannelError) -> Status:
    return Status(409 if error.conflict else 422, ErrorOut(detail=str(error)))


def own(request: HttpRequest, channel_id: int) -> UserChannel:
    return get_object_or_404(UserChannel, pk=channel_id, user=caller(request))


@router.get("/channels/services", response=list[ServiceOut])
def list_services(request: HttpRequest) -> Any:
    """The services a channel can use and the fields each asks for."""
    return [ServiceOut(service=spec.service.value, label=spec.service.label, fields=[
        FieldOut(name=f.name, label=str(f.label), hint=str(f.hint), secret=f.secret,
                 required=f.required,
                 pattern=f.form, default=f.default)
        for f in spec.fields]) for spec in catalogue.SERVICES.values()]


@router.get("/channels", response=list[ChannelOut])
def list_channels(request: HttpRequest) -> Any:
    return [editing.view_of(c) for c in UserChannel.objects.filter(user=caller(request))]


@router.post("/channels", response={201: ChannelOut, 409: ErrorOut, 422: ErrorOut})
def create_channel(request: HttpRequest, payload: ChannelIn) -> Any:
    """409: a channel of that name exists, or the caller has the most channels allowed."""
    try:
        channel = editing.add_channel(caller(request), payload.service, payload.name,
                                      payload.settings.dict(), payload.kinds,
                                      payload.medications)
    except ChannelError as error:
        return refused(error)
    return Status(201, editing.view_of(channel))


@router.post("/channels/test", response={200: SentOut, 422: ErrorOut})
def test_settings(request: HttpRequest, payload: ChannelTestIn) -> Any:
    """Send a test message with these settings, without saving them."""
    try:
        editing.send_test(payload.service, payload.settings.dict(), caller(request))
    except ChannelError as error:
        return refused(error)
    return SentOut(sent=True)


@router.patch("/channels/{channel_id}", response={200: ChannelOut, 409: ErrorOut,
                                                  422: ErrorOut, **_NOT_FOUND})
def change_channel(request: HttpRequest, channel_id: int, payload: ChannelPatch) -> Any:
    """409: another channel has that name, or `settings` are another service's."""
    channel = own(request, channel_id)
    raw = None
    if payload.settings is not None:
        raw = payload.settings.dict(exclude_none=True)  # null: left out
        if raw.pop("service") != channel.service:
            return Status(409, ErrorOut(detail=f"settings: this channel sends to "
                                               f"{channel.get_service_display()}; give its "
                                               f"settings with service {channel.service!r}"))
    try:
        editing.update_channel(channel, name=payload.name, paused=payload.paused,
                               kinds=payload.kinds, raw=raw, medications=payload.medications)
    except ChannelError as error:
        return refused(error)
    return editing.view_of(channel)


@router.post("/channels/{channel_id}/test", response={200: SentOut, 422: ErrorOut,
                                                      **_NOT_FOUND})
def test_channel(request: HttpRequest, channel_id: int) -> Any:
    """Send a test message to a saved channel."""
    try:
        editing.send_test_to(own(request, channel_id))
    except ChannelError as error:
        return refused(error)
    return SentOut(sent=True)


@router.delete("/channels/{channel_id}", response={204: None, **_NOT_FOUND})
def remove_channel(request: HttpRequest, channel_id: int) -> Any:
    editing.remove_channel(own(request, channel_id))
    return Status(204, None)
