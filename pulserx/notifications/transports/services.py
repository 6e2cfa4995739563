"""Channel messages through Apprise: ntfy, Gotify, Telegram, Signal, Matrix, Pushover,
Discord, a JSON webhook and SMS (Twilio).

Apprise is imported here, in the function that sends, so only a worker thread that sends a
channel message (or the web process answering *Send a test*) ever loads it and its
plugins. Each message gets an Apprise object of its own with exactly one URL, so its result
is that channel's result.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from pulserx.notifications.channels import buttons, catalogue
from pulserx.notifications.models import (
    Delivery,
    DeliveryCause,
    NotificationKind,
    Service,
    UserChannel,
)
from pulserx.notifications.render import reading, stored_message
from pulserx.notifications.shapes import body_with_reply_prompt
from pulserx.notifications.transports.base import (
    Transport,
    TransportError,
    user_channel_send,
)

APPRISE_PLUGINS = {
    Service.NTFY: "apprise.plugins.ntfy.NotifyNtfy",
    Service.GOTIFY: "apprise.plugins.gotify.NotifyGotify",
    Service.TELEGRAM: "apprise.plugins.telegram.NotifyTelegram",
    Service.SIGNAL: "apprise.plugins.signal_api.NotifySignalAPI",
    Service.MATRIX: "apprise.plugins.matrix.base.NotifyMatrix",
    Service.PUSHOVER: "apprise.plugins.pushover.NotifyPushover",
    Service.DISCORD: "apprise.plugins.discord.NotifyDiscord",
    Service.WEBHOOK: "apprise.plugins.custom_json.NotifyJSON",
    Service.TWILIO: "apprise.plugins.twilio.NotifyTwilio",
}


def failure(service: Service, outcome: object) -> TransportError:
    """The reason a send failed, from what the guarded requests met."""
    from pulserx.notifications.transports.outbound import Outcome

    assert isinstance(outcome, Outcome)
    label = service.label
    if outcome.errors:
        return TransportError(f"{label}: {outcome.errors[-1]}", cause=DeliveryCause.UNREACHABLE)
    failed = [(status, words) for status, words in outcome.answers if status >= 300]
    if failed:
        status, words = failed[-1]
        detail = f": {words}" if words else ""
        if 300 <= status < 400:
            return TransportError(f"{label} answered with a redirect (HTTP {status}), "
                                  "which PulseRx does not follow",
                                  cause=DeliveryCause.SETTINGS_REFUSED, permanent=True)
        refused = 400 <= status < 500 and status not in (408, 429)
        return TransportError(f"{label} answered HTTP {status}{detail}", permanent=refused,
                              cause=DeliveryCause.SETTINGS_REFUSED if refused
                              else DeliveryCause.UNREACHABLE)
    if not outcome.answers:
        return TransportError(f"{label}: the message could not be sent (no request was made)",
                              cause=DeliveryCause.OURS)
    return TransportError(f"{label} did not accept the message",
                          cause=DeliveryCause.SETTINGS_REFUSED)


def send_text(service: Service, values: dict[str, str], title: str, body: str,
              extra: dict[str, str] | None = None,
              json_additions: dict[str, dict[str, Any]] | None = None) -> str:
    """Send one message through the service and return the id the service gave it ("" if
    none); TransportError with a reason otherwise. `extra`: URL parameters for the service
    (ntfy's actions); `json_additions`: fields for its requests that Apprise has no
    parameter for (Telegram's inline keyboard)."""
    from urllib.parse import quote, urlencode

    import apprise

    from pulserx.notifications.transports.outbound import guarded

    try:
        url = catalogue.spec_for(service).url(values)
    except ValueError as error:  # e.g. an address the operator no longer allows
        raise TransportError(f"{service.label}: {error}", cause=DeliveryCause.SETTINGS_REFUSED,
                             permanent=True) from None
    timeouts = {"cto": str(settings.PULSERX_CHANNEL_TIMEOUT),
                "rto": str(settings.PULSERX_CHANNEL_TIMEOUT), **(extra or {})}
    url += ("&" if "?" in url else "?") + urlencode(timeouts, quote_via=quote)
    asset = apprise.AppriseAsset(async_mode=False, http_redirects=False,
                                 storage_mode="memory", secure_logging=True)
    # The service's plugin class itself: `Apprise.add(url)` would import all ~130 plugins
    # (about 20 MB) to find the one the URL names.
    plugin = import_string(APPRISE_PLUGINS[service])
    parsed = plugin.parse_url(url)
    notifier = apprise.Apprise(asset=asset)
    if not parsed or not notifier.add(plugin(**{**parsed, "asset": asset})):
        raise TransportError(f"{service.label}: the channel's settings are not usable",
                             cause=DeliveryCause.SETTINGS_REFUSED, permanent=True)
    with guarded(json_additions) as outcome:
        sent = notifier.notify(body=body, title=title)
    if not sent:
        raise failure(service, outcome)
    return outcome.message_ids[-1] if outcome.message_ids else ""


class ServiceTransport(Transport):
    def send(self, delivery: Delivery) -> None:
        notification, channel, values = user_channel_send(delivery)
        message = stored_message(notification)
        service = Service(channel.service)
        body = message.body
        extra: dict[str, str] = {}
        additions: dict[str, dict[str, Any]] = {}
        if message.actionable and message.dose_id is not None:
            giver = message.kind == NotificationKind.GIVER_REMINDER  # "Given", not "Take"
            with reading(message.language):  # the buttons' words: the recipient's language
                if service == Service.NTFY:
                    extra["actions"] = buttons.ntfy_actions(message.dose_id,
                                                            message.recipient_id, giver)
                elif service == Service.TELEGRAM:
                    additions["/sendMessage"] = {"reply_markup": buttons.telegram_keyboard(
                        channel.pk, message.dose_id, giver)}
            if catalogue.spec_for(service).replies:
                body = body_with_reply_prompt(message)
        sent_id = send_text(service, values, message.title, body, extra=extra,
                            json_additions=additions)
        if sent_id:  # how a reply names the reminder it answers (channels.replies)
            Delivery.objects.filter(pk=delivery.pk).update(provider_ref=sent_id)


def register_telegram_webhook(channel: UserChannel, values: dict[str, str]) -> str:
    """Point the channel's bot at PulseRx, so its Take / Skip buttons reach us; "" when
    done, else why not (Telegram needs the site on https)."""
    import requests

    from pulserx.notifications.transports.outbound import guarded

    if not settings.SITE_URL.startswith("https://"):
        return _("Take / Skip buttons need the site on https (SITE_URL)")
    url = settings.SITE_URL + reverse("channel-telegram-webhook", args=[channel.pk])
    with guarded() as outcome:
        try:
            response = requests.post(
                f"https://api.telegram.org/bot{values['bot_token']}/setWebhook",
                json={"url": url, "secret_token": buttons.telegram_secret(channel.pk),
                      "allowed_updates": ["callback_query"]},
                timeout=settings.PULSERX_CHANNEL_TIMEOUT)
        except requests.RequestException:
            return failure(Service.TELEGRAM, outcome).reason
    if response.status_code != 200:
        return failure(Service.TELEGRAM, outcome).reason
    return ""
