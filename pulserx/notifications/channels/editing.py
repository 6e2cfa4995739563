"""The one place a user's channels are added, changed, tested and removed: the Settings
page and the API both call these and translate their errors.

Every change is checked whole before anything is written (ChannelError names the field),
so bad input never leaves a channel half-saved.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pulserx.accounts.models import CareLinkStatus, User
from pulserx.notifications.channels import catalogue, sealing
from pulserx.notifications.models import KIND_FIELDS, ReplyCursor, Service, UserChannel
from pulserx.notifications.render import words_of_the_test_message
from pulserx.plaintext import name_problem
from pulserx.reminders.models import Medication

# Bounded work: every message fans out to each of a user's channels.
MAX_CHANNELS_PER_USER = 10
# Translators: the kinds of message a channel can carry (a checkbox each).
KIND_LABELS = {"for_reminders": gettext_lazy("Reminders"),
               "for_realerts": gettext_lazy("Re-alerts"),
               "for_missed": gettext_lazy("Missed-dose alerts"),
               "for_refills": gettext_lazy("Refills")}
KIND_CHOICES = list(KIND_LABELS)
assert set(KIND_CHOICES) == set(KIND_FIELDS.values())


def words_of_the_test_message_for(user: User | None = None) -> tuple[str, str]:
    """(title, body) of the test message, in the language of the channel's owner (else the
    active one)."""
    return words_of_the_test_message(user.language if user is not None else None)


class ChannelError(ValueError):
    """Input PulseRx cannot use; the message says which field and why (`field` names it:
    "service", "name", "kinds", one of the service's fields, or "" for none)."""

    def __init__(self, message: str, field: str = "", *, conflict: bool = False) -> None:
        super().__init__(message)
        self.field = field
        # Refused for what the user already has (a channel of that name, the most channels),
        # not for the input's form: the API answers 409.
        self.conflict = conflict


@dataclass(frozen=True)
class ChannelView:
    """What a page or the API shows of a channel: secrets masked."""

    id: int
    service: str
    service_label: str
    name: str
    paused: bool
    settings: dict[str, str]
    kinds: dict[str, bool]
    medications: list[int]  # empty: every medication


MAX_NAME = 60


def clean_name(name: Any) -> str:
    """The name without surrounding spaces; the rule is every name's (`plaintext`)."""
    if not isinstance(name, str) or len(name) > MAX_NAME:
        raise ChannelError(_("Name: give the channel a name of up to %(count)s characters")
                           % {"count": MAX_NAME}, "name")
    if problem := name_problem(name):
        # Translators: %(problem)s says what is wrong with it ("is empty", …).
        raise ChannelError(_("Name: the name %(problem)s") % {"problem": problem}, "name")
    return name.strip()


def clean_settings(service: Any, raw: dict[str, Any]) -> tuple[Service, dict[str, str]]:
    try:
        spec = catalogue.spec_for(service if isinstance(service, str) else "")
    except ValueError as error:
        raise ChannelError(str(error), "service") from None
    try:
        return spec.service, spec.clean(raw if isinstance(raw, dict) else {})
    except catalogue.FieldError as error:
        raise ChannelError(str(error), error.field) from None


def add_channel(user: User, service: Any, name: Any, raw: dict[str, Any],
                kinds: Iterable[str] | None = None,
                medications: Iterable[int] | None = None) -> UserChannel:
    chosen, values = clean_settings(service, raw)
    channel = UserChannel(user=user, service=chosen, name=clean_name(name),
                          sealed_settings=sealing.seal(values))
    set_kinds(channel, kinds)
    only = clean_medications(user, medications)
    with transaction.atomic():
        if UserChannel.objects.select_for_update().filter(user=user).count() \
                >= MAX_CHANNELS_PER_USER:
            raise ChannelError(_("You can have up to %(count)s channels")
                               % {"count": MAX_CHANNELS_PER_USER}, "name", conflict=True)
        save(channel, only)
    return channel


def update_channel(channel: UserChannel, *, name: Any = None, paused: bool | None = None,
                   kinds: Iterable[str] | None = None,
                   raw: dict[str, Any] | None = None,
                   medications: Iterable[int] | None = None) -> UserChannel:
    """Rename, pause or resume, choose kinds or medications, or replace the settings (a
    secret left empty keeps the stored one)."""
    if name is not None:
        channel.name = clean_name(name)
    if paused is not None:
        channel.paused = bool(paused)
    if kinds is not None:
        set_kinds(channel, kinds)
    only = clean_medications(channel.user, medications)
    if raw is not None:
        _, values = clean_settings(channel.service, merged_settings(channel, raw))
        channel.sealed_settings = sealing.seal(values)
    save(channel, only)
    if raw is not None:  # another room or account: its replies are read afresh
        ReplyCursor.objects.filter(channel=channel).delete()
    return channel


def choosable_medications(user: User) -> QuerySet[Medication]:
    """The medications whose messages reach `user`: their own, and those of the patients
    whose missed doses they hear of as a carer."""
    return Medication.objects.filter(
        Q(patient__user=user) | Q(patient__care_links__caregiver=user,
                                  patient__care_links__status=CareLinkStatus.ACCEPTED)
    ).distinct().order_by("name", "id")


def clean_medications(user: User, medications: Iterable[int] | None) -> list[int] | None:
    """The chosen ids (empty: every medication), all of them the user's to choose."""
    if medications is None:
        return None
    chosen = set(medications)
    unknown = chosen - set(choosable_medications(user).filter(pk__in=chosen)
                           .values_list("pk", flat=True))
    if unknown:
        raise ChannelError(_("Medications: no medication of yours has the id %(id)s")
                           % {"id": min(unknown)}, "medications")
    return sorted(chosen)


def merged_settings(channel: UserChannel, raw: dict[str, Any]) -> dict[str, Any]:
    """`raw` with each field it leaves out, and each secret it leaves empty, filled from
    the stored settings."""
    try:
        stored = sealing.unseal(channel.sealed_settings)
    except sealing.SealBroken as error:
        raise ChannelError(str(error)) from None
    spec = catalogue.spec_for(channel.service)
    return {f.name: (stored.get(f.name, "")
                     if f.name not in raw or (f.secret and not raw.get(f.name))
                     else raw[f.name]) for f in spec.fields}


def remove_channel(channel: UserChannel) -> None:
    """Its pending messages are not sent (their deliveries say the channel was removed)."""
    channel.delete()


def set_kinds(channel: UserChannel, kinds: Iterable[str] | None) -> None:
    if kinds is None:
        return
    chosen = set(kinds)
    unknown = chosen - set(KIND_CHOICES)
    if unknown:
        raise ChannelError(_("Unknown kind of message: %(unknown)s; choose from %(kinds)s") % {
            "unknown": ", ".join(sorted(unknown)), "kinds": ", ".join(KIND_CHOICES)}, "kinds")
    for field in KIND_CHOICES:
        setattr(channel, field, field in chosen)


def save(channel: UserChannel, medications: list[int] | None = None) -> None:
    try:
        with transaction.atomic():
            channel.save()
            if medications is not None:
                channel.medications.set(medications)
                channel.__dict__.pop("chosen_medications", None)
    except IntegrityError:
        raise ChannelError(_("Name: you already have a channel called %(name)s")
                           % {"name": repr(channel.name)}, "name", conflict=True) from None


def view_of(channel: UserChannel) -> ChannelView:
    spec = catalogue.spec_for(channel.service)
    try:
        shown = spec.masked(sealing.unseal(channel.sealed_settings))
    except sealing.SealBroken:
        shown = {}
    return ChannelView(id=channel.pk, service=channel.service,
                       service_label=Service(channel.service).label, name=channel.name,
                       paused=channel.paused, settings=shown,
                       kinds={field: bool(getattr(channel, field)) for field in KIND_CHOICES},
                       medications=sorted(channel.chosen_medications))


def send_test(service: Any, raw: dict[str, Any], user: User | None = None) -> None:
    """Send the test message with these settings now; ChannelError with the reason (the
    service's own words when it gives them) otherwise. Nothing is saved."""
    chosen, values = clean_settings(service, raw)
    from pulserx.notifications.transports import TransportError, mqtt
    from pulserx.notifications.transports.services import send_text

    try:
        if chosen == Service.MQTT:
            mqtt.send_test(values, user.pk if user is not None else 0,
                           words_of_the_test_message_for(user))
        else:
            send_text(chosen, values, *words_of_the_test_message_for(user))
    except TransportError as error:
        # Translators: %(reason)s is why, often the service's own words (in English).
        raise ChannelError(_("The test message was not delivered: %(reason)s")
                           % {"reason": error.reason}) from None


def connect_buttons(channel: UserChannel) -> str:
    """Let the service send Take / Skip presses to PulseRx where it must be told where
    (a Telegram bot's webhook); "" when done or not needed, else why not."""
    if channel.service != Service.TELEGRAM:
        return ""
    from pulserx.notifications.transports.services import register_telegram_webhook

    return register_telegram_webhook(channel, sealing.unseal(channel.sealed_settings))


def send_test_to(channel: UserChannel) -> None:
    """*Send a test* on a saved channel."""
    try:
        values = sealing.unseal(channel.sealed_settings)
    except sealing.SealBroken as error:
        raise ChannelError(str(error)) from None
    send_test(channel.service, values, channel.user)
