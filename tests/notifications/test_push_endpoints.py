"""The browser side of Web Push: the key, saving subscriptions, the service worker and
manifest, and the notification buttons' endpoint."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from pulserx.accounts.models import Patient
from pulserx.notifications.email_links import email_action_token
from pulserx.notifications.models import PushSubscription
from pulserx.notifications.push_tokens import push_action_token
from pulserx.reminders.models import Dose, DoseStatus
from tests.notifications.conftest import due_dose

pytestmark = pytest.mark.django_db
P256DH = "BEl62iUYgUivxIkv69yViEuiBIa-Ib9-SkvMeAtA3LFgDzkrxZJjSgSnfckjBJuBkr3qBUYIHBQFLXYp5Nksh8U"
AUTH = "tBHItJI5svbpez7KI4CCXg"
ENDPOINT = "https://updates.push.services.mozilla.com/wpush/v2/abc123"


def subscription(endpoint: str = ENDPOINT, **keys: str) -> dict[str, object]:
    return {"endpoint": endpoint, "keys": {"p256dh": P256DH, "auth": AUTH, **keys}}


def post_json(client: Client, path: str, body: object, method: str = "post") -> Any:
    return getattr(client, method)(path, json.dumps(body), content_type="application/json")


@pytest.fixture
def signed_in(client: Client, patient: Patient) -> Client:
    client.force_login(patient.user)
    return client


# --- /push/key

def test_the_key_endpoint_gives_the_vapid_public_key(client: Client,
                                                      vapid: dict[str, str]) -> None:
    response = client.get("/push/key")

    assert response.status_code == 200
    assert response.json()["publicKey"] == vapid["VAPID_PUBLIC_KEY"]
    assert response.json()["csrfToken"]
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_the_key_endpoint_says_when_push_is_not_set_up(client: Client,
                                                        settings: SettingsWrapper) -> None:
    settings.VAPID_PUBLIC_KEY = settings.VAPID_PRIVATE_KEY = ""

    response = client.get("/push/key")

    assert response.status_code == 503
    error = response.json()["error"]  # what works, not only what does not
    assert error.startswith("Web Push is not set up on this server")
    assert "reach this browser only while PulseRx is open" in error


# --- /push/subscriptions

def test_anonymous_visitors_cannot_subscribe(client: Client) -> None:
    response = post_json(client, "/push/subscriptions", subscription())

    assert response.status_code == 403
    assert not PushSubscription.objects.exists()


def test_subscribing_needs_the_csrf_token_the_key_endpoint_hands_out(
        patient: Patient, vapid: dict[str, str]) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(patient.user)
    refused = post_json(browser, "/push/subscriptions", subscription())
    token = browser.get("/push/key").json()["csrfToken"]

    accepted = browser.post("/push/subscriptions", json.dumps(subscription()),
                            content_type="application/json", headers={"X-CSRFToken": token})

    assert refused.status_code == 403
    assert accepted.status_code == 201, accepted.content
    saved = PushSubscription.objects.get()
    assert (saved.user, saved.endpoint, saved.p256dh, saved.auth) == (
        patient.user, ENDPOINT, P256DH, AUTH)


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b"", b"\xff\xfe"])
def test_a_body_that_is_not_a_json_object_is_refused_with_a_message(
        signed_in: Client, body: bytes) -> None:
    response = signed_in.post("/push/subscriptions", body, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"error": "Send a JSON object."}
    assert not PushSubscription.objects.exists()


@pytest.mark.parametrize(("body", "field"), [
    (subscription("http://push.example.net/plain"), "endpoint"),
    (subscription("not a url"), "endpoint"),
    (subscription("https://push.example.net/" + "x" * 1000), "endpoint"),
    ({"keys": {"p256dh": P256DH, "auth": AUTH}}, "endpoint"),
    (subscription(p256dh="BAAA"), "keys.p256dh"),
    (subscription(p256dh="B" + "A" * 86), "keys.p256dh"),  # 65 bytes, not a curve point
    (subscription(auth="c2hvcnQ"), "keys.auth"),
    (subscription(auth="!!!"), "keys.auth"),
    ({"endpoint": ENDPOINT, "keys": "nope"}, "keys.auth"),
])
def test_an_unusable_subscription_is_refused_naming_the_field(
        signed_in: Client, body: dict[str, object], field: str) -> None:
    response = post_json(signed_in, "/push/subscriptions", body)

    assert response.status_code == 400
    assert response.json()["error"] == "This is not a usable push subscription."
    assert field in response.json()["fields"]
    assert not PushSubscription.objects.exists()


def test_subscribing_again_updates_your_own_keys(signed_in: Client, patient: Patient) -> None:
    assert post_json(signed_in, "/push/subscriptions", subscription()).status_code == 201
    new_auth = "AAAAAAAAAAAAAAAAAAAAAA"

    response = post_json(signed_in, "/push/subscriptions", subscription(auth=new_auth))

    assert response.status_code == 200
    saved = PushSubscription.objects.get()
    assert saved.user == patient.user and saved.auth == new_auth


def test_posting_another_accounts_endpoint_is_refused_and_moves_nothing(
        client: Client, patient: Patient, other_patient: Patient) -> None:
    client.force_login(patient.user)
    assert post_json(client, "/push/subscriptions", subscription()).status_code == 201
    client.force_login(other_patient.user)

    response = post_json(client, "/push/subscriptions",
                         subscription(auth="AAAAAAAAAAAAAAAAAAAAAA"))

    assert response.status_code == 409
    assert "belongs to another account" in response.json()["error"]
    saved = PushSubscription.objects.get()
    assert saved.user == patient.user and saved.auth == AUTH


@pytest.mark.parametrize("path", ["/push/subscriptions", "/push/action"])
def test_deeply_nested_json_is_a_400(signed_in: Client, path: str) -> None:
    response = signed_in.post(path, "[" * 100000, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"] == "Send a JSON object."
    assert not PushSubscription.objects.exists()


def test_unsubscribing_deletes_only_your_own_subscription(
        signed_in: Client, other_patient: Patient, patient: Patient) -> None:
    PushSubscription.objects.create(user=other_patient.user, endpoint=ENDPOINT + "/theirs",
                                    p256dh=P256DH, auth=AUTH)
    PushSubscription.objects.create(user=patient.user, endpoint=ENDPOINT, p256dh=P256DH,
                                    auth=AUTH)

    mine = post_json(signed_in, "/push/subscriptions", {"endpoint": ENDPOINT}, "delete")
    theirs = post_json(signed_in, "/push/subscriptions", {"endpoint": ENDPOINT + "/theirs"},
                       "delete")

    assert mine.status_code == theirs.status_code == 204
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [
        ENDPOINT + "/theirs"]


# --- /sw.js and /manifest.webmanifest

def test_the_service_worker_is_served_from_the_root_uncached(client: Client) -> None:
    response = client.get("/sw.js")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "no-cache"
    script = response.content.decode()
    for event in ("push", "notificationclick", "pushsubscriptionchange"):
        assert f'addEventListener("{event}"' in script
    assert "/push/action" in script


def test_the_web_manifest_is_served_with_icons_that_exist(client: Client) -> None:
    response = client.get("/manifest.webmanifest")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    from django.contrib.staticfiles import finders

    for icon in manifest["icons"]:
        assert finders.find(icon["src"].removeprefix("/static/")), icon["src"]


# --- /push/action

def action(client: Client, dose: Dose, name: str, token: str | None = None,
           **extra: object) -> Any:
    token = token if token is not None else push_action_token(dose.pk, dose.patient.user_id)
    return post_json(client, "/push/action",
                     {"dose_id": dose.pk, "action": name, "token": token, **extra})


@pytest.fixture
def button(patient: Patient) -> Client:
    """What the service worker is: the session cookie, and no CSRF token."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(patient.user)
    return browser


def test_take_from_the_notification_records_the_dose(button: Client, patient: Patient) -> None:
    dose = due_dose(patient)

    response = action(button, dose, "take")

    assert response.status_code == 200, response.content
    assert response.json() == {"dose_id": dose.pk, "status": "taken"}
    dose.refresh_from_db()
    assert dose.status == DoseStatus.TAKEN and dose.acted_by == patient.user
    assert dose.medication is not None and dose.medication.stock == Decimal(29)


def test_skip_and_snooze_from_the_notification(button: Client, patient: Patient) -> None:
    skipped, snoozed = due_dose(patient), due_dose(patient)
    before = timezone.now()

    assert action(button, skipped, "skip").json()["status"] == "skipped"
    assert action(button, snoozed, "snooze", minutes=10).json()["status"] == "scheduled"

    snoozed.refresh_from_db()
    assert snoozed.snoozed_until is not None
    assert before + timedelta(minutes=10) <= snoozed.snoozed_until
    assert snoozed.snoozed_until <= timezone.now() + timedelta(minutes=10)


def test_another_patient_cannot_act_on_the_dose(client: Client, patient: Patient,
                                                other_patient: Patient) -> None:
    dose = due_dose(patient)
    client.force_login(other_patient.user)

    with_their_token = action(client, dose, "take")
    with_own_token = action(client, dose, "take",
                            token=push_action_token(dose.pk, other_patient.user.pk))

    assert with_their_token.status_code == with_own_token.status_code == 404
    dose.refresh_from_db()
    assert dose.status == DoseStatus.NOTIFIED


@pytest.mark.parametrize("token", [
    "", "forged", "for-another-dose", "for-another-user", "email-link", "expired"])
def test_the_buttons_need_this_doses_valid_token(button: Client, patient: Patient,
                                                 other_patient: Patient, token: str) -> None:
    dose, other_dose = due_dose(patient), due_dose(patient)
    if token == "for-another-dose":
        token = push_action_token(other_dose.pk, patient.user.pk)
    elif token == "for-another-user":
        token = push_action_token(dose.pk, other_patient.user.pk)
    elif token == "email-link":
        token = email_action_token(dose.pk, "take", patient.user.pk)
    elif token == "expired":
        with time_machine.travel(timezone.now() - timedelta(hours=13)):
            token = push_action_token(dose.pk, patient.user.pk)

    response = action(button, dose, "take", token=token)

    assert response.status_code == 403
    assert "expired" in response.json()["error"]
    dose.refresh_from_db()
    assert dose.status == DoseStatus.NOTIFIED


def test_signed_out_buttons_are_refused(client: Client, patient: Patient) -> None:
    dose = due_dose(patient)

    assert action(client, dose, "take").status_code == 401
    dose.refresh_from_db()
    assert dose.status == DoseStatus.NOTIFIED


@pytest.mark.parametrize(("body", "field"), [
    ({"action": "eat"}, "action"),
    ({"dose_id": "1"}, "dose_id"),
    ({"dose_id": 2**64}, "dose_id"),
    ({"action": "snooze", "minutes": 7}, "minutes"),
    ({"action": "snooze", "minutes": "10"}, "minutes"),
])
def test_bad_button_requests_are_refused_naming_the_field(
        button: Client, patient: Patient, body: dict[str, object], field: str) -> None:
    dose = due_dose(patient)
    request = {"dose_id": dose.pk, "action": "take",
               "token": push_action_token(dose.pk, patient.user.pk), **body}

    response = post_json(button, "/push/action", request)

    assert response.status_code == 400
    assert field in response.json()["fields"]
    dose.refresh_from_db()
    assert dose.status == DoseStatus.NOTIFIED


def test_a_dose_already_recorded_is_left_alone(button: Client, patient: Patient) -> None:
    dose = due_dose(patient)
    assert action(button, dose, "skip").status_code == 200

    response = action(button, dose, "take")

    assert response.status_code == 409
    assert response.json()["error"].startswith("Already skipped by alex at ")
    dose.refresh_from_db()
    assert dose.status == DoseStatus.SKIPPED
    assert dose.medication is not None and dose.medication.stock == Decimal(30)
