"""Web Push plumbing over HTTP: the server's key, browsers' subscriptions, and the buttons
of a pushed notification."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.utils.translation import gettext, gettext_noop
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pulserx.accounts.care import may_record_for
from pulserx.notifications.models import PushSubscription
from pulserx.notifications.push_services import is_push_service
from pulserx.notifications.push_tokens import push_action_allowed
from pulserx.notifications.transports.webpush import vapid_public_key
from pulserx.reminders.actions import DoseActionError, record_dose, snooze_dose, snooze_minutes
from pulserx.reminders.models import RECORD_ACTIONS, SNOOZE_CHOICES, Dose, RecordedVia

https_url = URLValidator(schemes=["https"])


def json_error(message: str, status: int, **fields: str) -> JsonResponse:
    body: dict[str, Any] = {"error": message}
    if fields:
        body["fields"] = fields
    return JsonResponse(body, status=status)


def read_json(request: HttpRequest) -> dict[str, Any] | None:
    try:
        data = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError, RecursionError):  # '[' * 100000 recurses
        return None
    return data if isinstance(data, dict) else None


# Said after the browser allowed notifications: those in the open page work regardless.
NO_PUSH_KEYS = gettext_noop("Web Push is not set up on this server, so reminders reach this "
                            "browser only while PulseRx is open.")


@require_GET
@never_cache
def push_key(request: HttpRequest) -> JsonResponse:
    """The VAPID public key to subscribe with. The service worker also takes its CSRF token
    from here when it renews a subscription: it cannot read cookies, and a cross-site page
    cannot read this response."""
    key = vapid_public_key()
    if key is None:
        return json_error(gettext(NO_PUSH_KEYS), 503)
    return JsonResponse({"publicKey": key, "csrfToken": get_token(request)})


def b64url_decode(value: object) -> bytes | None:
    if not isinstance(value, str) or not value or len(value) > 200:
        return None
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return None


def subscription_errors(data: dict[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    endpoint = data.get("endpoint")
    try:
        if not isinstance(endpoint, str) or len(endpoint) > 1000:
            raise ValidationError("bad")
        https_url(endpoint)
    except ValidationError:
        errors["endpoint"] = "Give the subscription's https:// endpoint URL."
    else:
        if not is_push_service(endpoint):
            errors["endpoint"] = "PulseRx does not send to this push service."
    keys = data.get("keys")
    if not isinstance(keys, dict):
        keys = {}
    p256dh = b64url_decode(keys.get("p256dh"))
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), p256dh or b"")
    except ValueError:
        errors["keys.p256dh"] = "Give the browser's P-256 public key (base64url, 65 bytes)."
    auth = b64url_decode(keys.get("auth"))
    if auth is None or len(auth) != 16:
        errors["keys.auth"] = "Give the 16-byte auth secret (base64url)."
    return errors


@require_http_methods(["POST", "DELETE"])
def push_subscriptions(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return json_error(gettext("Sign in to turn on push notifications."), 403)
    data = read_json(request)
    if data is None:
        return json_error("Send a JSON object.", 400)
    if request.method == "DELETE":
        PushSubscription.objects.filter(user=request.user,
                                        endpoint=str(data.get("endpoint", ""))).delete()
        return HttpResponse(status=204)
    errors = subscription_errors(data)
    if errors:
        return json_error(gettext("This is not a usable push subscription."), 400, **errors)
    # An endpoint is a capability of someone's browser: it is never moved to another account.
    if PushSubscription.objects.filter(endpoint=data["endpoint"]).exclude(
            user=request.user).exists():
        return json_error(gettext("This push subscription belongs to another account: sign "
                                  "in as that account and turn push off there first."), 409)
    _, created = PushSubscription.objects.update_or_create(
        endpoint=data["endpoint"], user=request.user,
        defaults={"p256dh": data["keys"]["p256dh"], "auth": data["keys"]["auth"]},
    )
    return JsonResponse({"subscribed": True}, status=201 if created else 200)


@csrf_exempt  # the signed action token stands in for the CSRF token; see push_tokens.py
@require_POST
def push_action(request: HttpRequest) -> JsonResponse:
    """Take, skip or snooze a dose from a notification's button (called by the service
    worker with the session cookie and the token that came in the push)."""
    if not request.user.is_authenticated:
        return json_error("Sign in to record this dose.", 401)
    data = read_json(request)
    if data is None:
        return json_error("Send a JSON object.", 400)
    action, dose_id = data.get("action"), data.get("dose_id")
    if action not in (*RECORD_ACTIONS, "snooze"):
        return json_error("Choose an action.", 400, action="Choose take, skip or snooze.")
    if type(dose_id) is not int or not 0 < dose_id < 2**63:
        return json_error("Give the dose's id.", 400, dose_id="Give the dose's id.")
    # Their own dose, or one of a person they give to (a giver's reminder has Given / Skip).
    dose = Dose.objects.select_related("patient").filter(pk=dose_id).first()
    if dose is None or not may_record_for(request.user, dose.patient_id, is_test=dose.is_test) \
            or (action == "snooze" and dose.patient.user_id != request.user.pk):
        return json_error("No such dose.", 404)
    if not push_action_allowed(data.get("token"), dose.pk, request.user.pk):
        return json_error("This notification's buttons have expired; open PulseRx.", 403)
    if action == "snooze":
        try:
            minutes = snooze_minutes(data.get("minutes", SNOOZE_CHOICES[0]))
        except DoseActionError as error:
            return json_error(str(error), 400, minutes=str(error))
    try:
        if action == "snooze":
            dose = snooze_dose(dose.pk, minutes)
        else:
            dose = record_dose(dose.pk, RECORD_ACTIONS[action], by=request.user,
                               via=RecordedVia.PUSH)
    except DoseActionError as error:
        return json_error(str(error), 409)
    return JsonResponse({"dose_id": dose.pk, "status": dose.status})
