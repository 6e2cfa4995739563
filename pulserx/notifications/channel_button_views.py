"""Where Take / Skip buttons of channel messages land (see channels/buttons.py), and
replies by SMS (see channels/replies.py)."""

from __future__ import annotations

import hmac
import json
from xml.sax.saxutils import escape

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from pulserx.accounts.models import User
from pulserx.notifications.channels import sealing
from pulserx.notifications.channels.buttons import (
    ButtonExpired,
    ButtonInvalid,
    read_action_token,
    read_telegram_callback,
    record_press,
    telegram_secret,
)
from pulserx.notifications.channels.replies import (
    answer_reply,
    reminder_answered,
    reply_action,
    twilio_signed,
)
from pulserx.notifications.email_link_views import page
from pulserx.notifications.models import Service, UserChannel
from pulserx.notifications.render import reading
from pulserx.notifications.shapes import reply_prompt
from pulserx.reminders.clock import database_now
from pulserx.reminders.models import Dose, DoseStatus
from pulserx.siteurl import site_url


@never_cache
@csrf_exempt  # the signed token is the credential, as in an email link
@require_http_methods(["GET", "POST"])
def channel_dose_action(request: HttpRequest, token: str) -> HttpResponse:
    """POST (ntfy's `http` action) records the dose once; GET only shows what it would do."""
    try:
        press = read_action_token(token)
    except ButtonExpired:
        return plain(_("This button has expired: record the dose in PulseRx."), 410)
    except ButtonInvalid:
        return plain(_("This button is not valid."), 400)
    user = User.objects.filter(pk=press.user_id).first()
    if user is None:
        return plain(_("This dose is no longer in PulseRx."), 404)
    with reading(user.language):  # answered in the language of the button's owner
        if request.method == "GET":
            dose = (Dose.objects.select_related("medication", "patient__user")
                    .filter(pk=press.dose_id, patient__user=user).first())
            if dose is None:
                return page(request, "gone", status=404)
            state = "confirm" if DoseStatus(dose.status).can_record else "already"
            return page(request, state, dose=dose, action=press.action)
        recorded, words = record_press(press.dose_id, press.action, user)
    return plain(words, 200 if recorded else 409)


@csrf_exempt  # Telegram authenticates with the channel's secret token header
@require_POST
def telegram_webhook(request: HttpRequest, channel_id: int) -> HttpResponse:
    """A button press in Telegram: recorded, and answered in the webhook's response
    (answerCallbackQuery), so the person sees "Taken." or why not."""
    secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    if not hmac.compare_digest(secret, telegram_secret(channel_id)):
        return plain("Forbidden", 403)
    channel = get_object_or_404(UserChannel.objects.select_related("user"), pk=channel_id,
                                service=Service.TELEGRAM)
    try:
        update = json.loads(request.body)
        query = update["callback_query"]
        query_id, data = str(query["id"]), str(query["data"])
        chat_id = str(query["message"]["chat"]["id"])
    except (ValueError, KeyError, TypeError):
        return JsonResponse({})  # another kind of update: nothing to do
    configured = sealing.unseal(channel.sealed_settings).get("chat_id", "")
    with reading(channel.user.language):  # answered in the channel owner's language
        if not configured.startswith("@") and chat_id != configured:  # @channels: ids unknown
            return answer(query_id, _("This button belongs to another chat."))
        try:
            dose_id, action = read_telegram_callback(channel_id, data)
        except ButtonExpired:
            return answer(query_id, _("This button has expired: record the dose in PulseRx."))
        except ButtonInvalid:
            return answer(query_id, _("This button is not valid."))
        return answer(query_id, record_press(dose_id, action, channel.user)[1])


@csrf_exempt  # Twilio signs each request with the account's auth token
@require_POST
def twilio_webhook(request: HttpRequest, channel_id: int) -> HttpResponse:
    """An SMS to the channel's Twilio number ("1", "2"): the dose of the reminder it
    answers is recorded once, and the answer goes back as TwiML (a reply SMS) in the
    channel owner's language. A request Twilio did not sign with the channel's auth token
    is refused (403) before anything is read."""
    channel = (UserChannel.objects.select_related("user")
               .filter(pk=channel_id, service=Service.TWILIO).first())
    try:
        values = sealing.unseal(channel.sealed_settings) if channel is not None else None
    except sealing.SealBroken:
        values = None
    url = site_url(request) + request.get_full_path()  # the address Twilio was given
    if channel is None or values is None or not twilio_signed(
            values["auth_token"], url, request.POST.lists(),
            request.headers.get("X-Twilio-Signature", "")):
        return plain("Forbidden", 403)
    sms = request.POST
    if (sms.get("AccountSid"), sms.get("From"), sms.get("To")) != (
            values["account_sid"], values["to_number"], values["from_number"]):
        return twiml("")  # not the channel's person writing to its number: no answer
    now = database_now()
    with reading(channel.user.language):
        action = reply_action(sms.get("Body", ""))
        if action is None:
            return twiml(reply_prompt())
        return twiml(answer_reply(channel, action, reminder_answered(channel, now), now).text)


def twiml(text: str) -> HttpResponse:
    """Twilio's answer to an incoming message: a reply SMS with `text` ("": none)."""
    reply = f"<Message>{escape(text)}</Message>" if text else ""
    return HttpResponse(f'<?xml version="1.0" encoding="UTF-8"?><Response>{reply}</Response>',
                        content_type="text/xml; charset=utf-8")


def answer(query_id: str, text: str) -> JsonResponse:
    return JsonResponse({"method": "answerCallbackQuery", "callback_query_id": query_id,
                         "text": text})


def plain(text: str, status: int) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")
