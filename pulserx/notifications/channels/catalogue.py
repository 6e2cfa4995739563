"""What each service asks for, how its answers are checked, and the Apprise URL they make.

A user never types an Apprise URL: they choose a service and fill its fields. Each field is
checked here (a malformed token or chat id is refused with the field named) and the URL is
built from the checked values with every part quoted, so a value cannot add a parameter or
change the host. Secret fields are never shown again (`masked`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pulserx.notifications.channels.addresses import (
    MAX_SERVER_URL,
    ServerURL,
    server_pattern,
    server_url,
)
from pulserx.notifications.models import Service

if TYPE_CHECKING:  # a label or hint: translated when shown (`gettext_lazy`)
    from django_stubs_ext import StrOrPromise

# Patterns use explicit classes only (no \s, no .): the API's schema states them, and
# JSON Schema's regular expressions read \s and . differently from Python's.
PHONE = re.compile(r"\+[1-9][0-9]{6,14}")


class FieldError(ValueError):
    """A value PulseRx cannot use; `field` names it (empty: the settings as a whole)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Field:
    name: str
    label: StrOrPromise  # translated when shown: str() it for the API
    pattern: str = ""  # a regular expression the whole value must match
    hint: StrOrPromise = ""  # what the value looks like, shown beside the field and in the error
    secret: bool = False
    required: bool = True
    server: bool = False  # a server address, read by `addresses.server_url`
    schemes: tuple[str, str] = ("https", "http")  # of that address: secure, then plain
    path: bool = False  # that address may have a path (a webhook's)
    default: str = ""

    @property
    def form(self) -> str:
        """The regular expression a whole value matches (the API's schema states it)."""
        return server_pattern(self.schemes, self.path) if self.server else self.pattern

    @property
    def max_length(self) -> int | None:
        return MAX_SERVER_URL if self.server else None

    def clean(self, raw: Any) -> str:
        """The value as given, once it has the field's form: no space is trimmed here (a
        page trims what people paste), so what the API's schema states is what is taken."""
        value = raw if isinstance(raw, str) else ""
        if not value:
            if self.required:
                # Translators: %(label)s names a field of a channel's settings ("Topic").
                raise FieldError(self.name, _("%(label)s: this field is required")
                                 % {"label": self.label})
            return ""
        if self.server:
            try:
                server_url(value, self.schemes, self.path)
            except ValueError as error:
                # Translators: a field's name, then what is wrong with its value.
                raise FieldError(self.name, _("%(label)s: %(problem)s")
                                 % {"label": self.label, "problem": error}) from None
        elif not re.fullmatch(self.pattern, value):
            raise FieldError(self.name, _("%(label)s: %(problem)s") % {
                "label": self.label, "problem": self.hint or _("not in the expected form")})
        return value


@dataclass(frozen=True)
class ServiceSpec:
    service: Service
    fields: tuple[Field, ...]
    url: Callable[[dict[str, str]], str]
    # Take / Skip buttons on a reminder (ntfy actions, a Telegram inline keyboard).
    buttons: bool = False
    # A reminder is answered by replying "1" or "2" (an SMS, a message in a Matrix room).
    replies: bool = False

    def clean(self, raw: dict[str, Any]) -> dict[str, str]:
        """The checked values of every field; FieldError naming the first bad one."""
        return {f.name: f.clean(raw.get(f.name, f.default)) for f in self.fields}

    def masked(self, values: dict[str, str]) -> dict[str, str]:
        """The values as a page or the API may show them: secrets reduced to a hint."""
        return {f.name: mask(values.get(f.name, "")) if f.secret else values.get(f.name, "")
                for f in self.fields}


def mask(secret: str) -> str:
    return "" if not secret else "••••" + (secret[-3:] if len(secret) >= 12 else "")


def q(value: str) -> str:
    return quote(value, safe="")


def _server(values: dict[str, str], *, path: bool = True) -> tuple[ServerURL, str]:
    """(parts, "host[:port][/path]") of the `server` field, quoted for an Apprise URL."""
    parts = server_url(values["server"])
    host = f"[{parts.host}]" if ":" in parts.host else parts.host
    where = host + (f":{parts.port}" if parts.port else "")
    if path and parts.path:
        where += "/".join(q(piece) for piece in parts.path.split("/"))
    return parts, where


def _schema(parts: ServerURL, plain: str) -> str:
    return plain + ("s" if parts.secure else "")


def ntfy_url(values: dict[str, str]) -> str:
    parts, where = _server(values, path=False)
    params = {"token": values["token"]} if values.get("token") else {}
    params |= {"priority": "high", "image": "no"}
    query = urlencode(params, quote_via=quote)
    return f"{_schema(parts, 'ntfy')}://{where}/{q(values['topic'])}?{query}"


def gotify_url(values: dict[str, str]) -> str:
    parts, where = _server(values)
    return f"{_schema(parts, 'gotify')}://{where}/{q(values['token'])}"


def telegram_url(values: dict[str, str]) -> str:
    return f"tgram://{q(values['bot_token'])}/{q(values['chat_id'])}?format=text"


def signal_url(values: dict[str, str]) -> str:
    parts, where = _server(values, path=False)
    return (f"{_schema(parts, 'signal')}://{where}/{q(values['from_number'])}/"
            f"{q(values['recipient'])}?status=no")


def matrix_url(values: dict[str, str]) -> str:
    parts, where = _server(values, path=False)
    return (f"{_schema(parts, 'matrix')}://{q(values['access_token'])}@{where}/"
            f"{q(values['room'])}?format=text")


def pushover_url(values: dict[str, str]) -> str:
    return f"pover://{q(values['user_key'])}@{q(values['app_token'])}"


DISCORD_WEBHOOK = (r"https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/"
                   r"([0-9]{15,25})/([A-Za-z0-9_-]{30,100})")


def discord_url(values: dict[str, str]) -> str:
    match = re.fullmatch(DISCORD_WEBHOOK, values["webhook_url"])
    assert match is not None
    return f"discord://{q(match[1])}/{q(match[2])}?format=text&avatar=no"


def webhook_url(values: dict[str, str]) -> str:
    parts, where = _server({"server": values["url"]})
    return f"{_schema(parts, 'json')}://{where}"


def twilio_url(values: dict[str, str]) -> str:
    return (f"twilio://{q(values['account_sid'])}:{q(values['auth_token'])}@"
            f"{q(values['from_number'])}/{q(values['to_number'])}")



def _server_field(label: StrOrPromise, default: str = "") -> Field:
    return Field("server", label, server=True, default=default,
                 hint=gettext_lazy("e.g. https://ntfy.example.org"))


_PHONE_HINT = gettext_lazy("a phone number in international form, e.g. +447700900123")
SERVICES: dict[Service, ServiceSpec] = {spec.service: spec for spec in (
    ServiceSpec(Service.NTFY, (
        _server_field(gettext_lazy("Server"), "https://ntfy.sh"),
        Field("topic", gettext_lazy("Topic"), r"[A-Za-z0-9_-]{1,64}",
              gettext_lazy("letters, digits, - and _ only")),
        Field("token", gettext_lazy("Access token"), r"tk_[A-Za-z0-9]{29}",
              gettext_lazy("an ntfy access token (tk_…)"),
              secret=True, required=False),
    ), ntfy_url, buttons=True),
    ServiceSpec(Service.GOTIFY, (
        _server_field(gettext_lazy("Server")),
        Field("token", gettext_lazy("Application token"), r"[A-Za-z0-9._-]{8,64}",
              gettext_lazy("the application's token from Gotify's Apps page"), secret=True),
    ), gotify_url),
    ServiceSpec(Service.TELEGRAM, (
        Field("bot_token", gettext_lazy("Bot token"), r"[0-9]{5,12}:[A-Za-z0-9_-]{30,50}",
              gettext_lazy("the token @BotFather gave, e.g. 123456789:AAE…"), secret=True),
        Field("chat_id", gettext_lazy("Chat id"), r"-?[0-9]{3,20}|@[A-Za-z][A-Za-z0-9_]{4,31}",
              gettext_lazy("a number such as 123456789 (or -100… for a group), or @channelname")),
    ), telegram_url, buttons=True),
    ServiceSpec(Service.SIGNAL, (
        _server_field(gettext_lazy("signal-cli REST API")),
        Field("from_number", gettext_lazy("Registered number"), PHONE.pattern, _PHONE_HINT),
        Field("recipient", gettext_lazy("Send to"),
              PHONE.pattern + r"|group\.[A-Za-z0-9+/=]{10,100}",
              gettext_lazy("a phone number in international form, e.g. +447700900123, or a "
                           "group id (group.…)")),
    ), signal_url),
    ServiceSpec(Service.MATRIX, (
        _server_field(gettext_lazy("Homeserver")),
        Field("access_token", gettext_lazy("Access token"), r"[A-Za-z0-9._~+/=-]{16,255}",
              gettext_lazy("the access token of the account that sends"), secret=True),
        Field("room", gettext_lazy("Room"), r"[!#][!-9;-~]{1,255}:[A-Za-z0-9.-]+(:[0-9]{1,5})?",
              gettext_lazy("a room id (!abc:example.org) or alias (#room:example.org)")),
    ), matrix_url, replies=True),
    ServiceSpec(Service.PUSHOVER, (
        Field("user_key", gettext_lazy("User key"), r"[A-Za-z0-9]{30}",
              gettext_lazy("30 letters and digits"),
              secret=True),
        Field("app_token", gettext_lazy("Application token"), r"[A-Za-z0-9]{30}",
              gettext_lazy("30 letters and digits"),
              secret=True),
    ), pushover_url),
    ServiceSpec(Service.DISCORD, (
        Field("webhook_url", gettext_lazy("Webhook URL"), DISCORD_WEBHOOK,
              "https://discord.com/api/webhooks/<id>/<token>", secret=True),
    ), discord_url),
    ServiceSpec(Service.WEBHOOK, (
        Field("url", gettext_lazy("Webhook URL"), server=True, path=True,
              hint=gettext_lazy("e.g. https://hooks.example.org/pulserx"), secret=True),
    ), webhook_url),
    ServiceSpec(Service.MQTT, (
        Field("broker", gettext_lazy("Broker"), server=True, schemes=("mqtts", "mqtt"),
              hint=gettext_lazy("e.g. mqtts://homeassistant.local:8883 (mqtt:// for no TLS)")),
        Field("username", gettext_lazy("User name"), r"[!-~]{1,100}",
              gettext_lazy("letters, digits and signs, no spaces"),
              required=False),
        Field("password", gettext_lazy("Password"), r"[^\x00-\x1f\x7f]{1,200}",
              gettext_lazy("up to 200 characters, no control characters"), secret=True,
              required=False),
        Field("discovery_prefix", gettext_lazy("Discovery prefix"), r"[A-Za-z0-9_-]{1,40}",
              gettext_lazy("letters, digits, - and _ (Home Assistant's default is homeassistant)"),
              default="homeassistant"),
    ), lambda values: ""),
    ServiceSpec(Service.TWILIO, (
        Field("account_sid", gettext_lazy("Account SID"), r"AC[0-9a-f]{32}",
              gettext_lazy("AC followed by 32 hex digits")),
        Field("auth_token", gettext_lazy("Auth token"), r"[0-9a-f]{32}",
              gettext_lazy("32 hex digits"), secret=True),
        Field("from_number", gettext_lazy("From (your Twilio number)"), PHONE.pattern, _PHONE_HINT),
        Field("to_number", gettext_lazy("Send to"), PHONE.pattern, _PHONE_HINT),
    ), twilio_url, replies=True),
)}


def spec_for(service: str) -> ServiceSpec:
    """The service's spec; ValueError for a service PulseRx does not offer."""
    try:
        return SERVICES[Service(service)]
    except (ValueError, KeyError):
        choices = ", ".join(s.value for s in SERVICES)
        raise ValueError(_("Unknown service %(service)s; choose one of %(choices)s")
                         % {"service": repr(service), "choices": choices}) from None
