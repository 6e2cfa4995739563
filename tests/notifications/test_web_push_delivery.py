"""Web Push deliveries reach a real push service on loopback, signed with VAPID and
encrypted for the browser (RFC 8291), and its answers decide the Delivery row."""

from __future__ import annotations

import logging
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from pulserx.accounts.models import Patient, User
from pulserx.notifications.models import (
    Channel,
    Delivery,
    DeliveryCause,
    DeliveryStatus,
    NotificationKind,
    PushSubscription,
)
from pulserx.notifications.push_tokens import push_action_allowed
from pulserx.notifications.vapid import new_vapid_keys
from pulserx.reminders.models import DoseStatus
from tests.notifications.conftest import PushService, delivered, due_dose, pending_delivery
from tests.support import free_port

pytestmark = pytest.mark.django_db


def test_reminder_arrives_signed_and_decryptable_with_its_actions(
        push_service: PushService, patient: Patient) -> None:
    browser, _ = push_service.subscribe(patient.user)
    dose = due_dose(patient)
    delivery = pending_delivery(dose, patient.user, Channel.PUSH)

    delivery = delivered(delivery)

    assert delivery.status == DeliveryStatus.SENT, delivery.last_error
    assert delivery.attempts == 1 and delivery.sent_at is not None
    [push] = push_service.received
    assert push.problems == []
    assert push.path == browser.endpoint.removeprefix(push_service.origin)
    assert push.claims is not None and push.claims["aud"] == push_service.origin
    assert push.headers["ttl"] == "3600" and push.headers["urgency"] == "high"
    payload = push.payload
    assert payload is not None
    due = dose.due_at.astimezone(ZoneInfo("Europe/London")).strftime("%H:%M")
    assert payload["title"] == "Time for Metformin 500 mg"
    assert payload["body"] == f"Take 1 tablet of Metformin 500 mg — with food (due at {due})."
    assert payload["id"] == delivery.notification_id
    assert payload["dose_id"] == dose.pk and payload["tag"] == f"dose-{dose.pk}"
    assert payload["kind"] == "reminder" and payload["url"] == "/"
    assert [a["action"] for a in payload["actions"]] == ["take", "snooze", "skip"]
    assert payload["actions"][1]["minutes"] == 10
    assert push_action_allowed(payload["action_token"], dose.pk, patient.user.pk)


def test_subscription_saved_through_the_endpoint_receives_reminders(
        push_service: PushService, patient: Patient, client: Client) -> None:
    browser = push_service.browser()
    client.force_login(patient.user)
    response = client.post("/push/subscriptions", browser.subscription_json,
                           content_type="application/json")
    assert response.status_code == 201, response.content
    delivery = pending_delivery(due_dose(patient), patient.user, Channel.PUSH)

    assert delivered(delivery).status == DeliveryStatus.SENT
    [push] = push_service.received
    assert push.problems == [] and push.payload is not None
    assert push.payload["title"] == "Time for Metformin 500 mg"


def test_every_device_of_the_recipient_gets_the_reminder(
        push_service: PushService, patient: Patient, other_patient: Patient) -> None:
    phone, _ = push_service.subscribe(patient.user)
    laptop, _ = push_service.subscribe(patient.user)
    push_service.subscribe(other_patient.user)
    delivery = pending_delivery(due_dose(patient), patient.user, Channel.PUSH)

    assert delivered(delivery).status == DeliveryStatus.SENT
    reached = {push_service.origin + push.path for push in push_service.received}
    assert reached == {phone.endpoint, laptop.endpoint}


@pytest.mark.parametrize("answer", [404, 410])
def test_a_gone_subscription_is_deleted_and_the_delivery_skipped(
        push_service: PushService, patient: Patient, answer: int) -> None:
    push_service.answer = answer
    _, subscription = push_service.subscribe(patient.user)
    delivery = pending_delivery(due_dose(patient), patient.user, Channel.PUSH)

    delivery = delivered(delivery)

    assert delivery.status == DeliveryStatus.SKIPPED
    assert delivery.next_attempt_at is None and "expired" in delivery.last_error
    assert delivery.cause == DeliveryCause.SUBSCRIPTION_ENDED
    assert not PushSubscription.objects.filter(pk=subscription.pk).exists()


def test_a_gone_device_does_not_stop_the_others(
        push_service: PushService, patient: Patient) -> None:
    old, old_subscription = push_service.subscribe(patient.user)
    push_service.answers[old.endpoint.removeprefix(push_service.origin)] = 410
    push_service.subscribe(patient.user)
    delivery = pending_delivery(due_dose(patient), patient.user, Channel.PUSH)

    assert delivered(delivery).status == DeliveryStatus.SENT
    assert list(PushSubscription.objects.filter(user=patient.user)) != []
    assert not PushSubscription.objects.filter(pk=old_subscription.pk).exists()


def test_a_server_error_leaves_the_delivery_pending_for_a_retry(
        push_service: PushService, patient: Patient) -> None:
    push_service.answer = 500
    _, subscription = push_service.subscribe(patient.user)
    delivery = pending_delivery(due_dose(patient), patient.user, Channel.PUSH)
    before = timezone.now()

    delivery = delivered(delivery)

    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempts == 1
    assert delivery.next_attempt_at is not None and delivery.next_attempt_at > before
    assert delivery.last_error == "the push service answered HTTP 500"
    assert delivery.cause == DeliveryCause.UNREACHABLE
    assert PushSubscription.objects.filter(pk=subscription.pk).exists()
    assert push_service.received[0].problems == []


def test_too_many_requests_is_retried_but_other_client_errors_are_final(
        push_service: PushService, patient: Patient) -> None:
    push_service.subscribe(patient.user)
    push_service.answer = 429
    throttled = delivered(pending_delivery(due_dose(patient), patient.user, Channel.PUSH))
    push_service.answer = 403
    refused = delivered(pending_delivery(due_dose(patient), patient.user, Channel.PUSH))

    assert throttled.status == DeliveryStatus.PENDING
    assert throttled.cause == DeliveryCause.UNREACHABLE
    assert refused.status == DeliveryStatus.FAILED
    assert refused.next_attempt_at is None
    assert refused.last_error == "the push service answered HTTP 403"
    assert refused.cause == DeliveryCause.OURS


def test_an_unreachable_push_service_is_retried(patient: Patient, vapid: dict[str, str],
                                               settings: SettingsWrapper) -> None:
    origin = f"127.0.0.1:{free_port()}"
    settings.PULSERX_PUSH_SERVICE_HOSTS = [origin]
    PushSubscription.objects.create(
        user=patient.user, endpoint=f"https://{origin}/wpush/gone",
        p256dh="BEl62iUYgUivxIkv69yViEuiBIa-Ib9-SkvMeAtA3LFgDzkrxZJjSgSnfckjBJuBkr3qBUYIHBQFLXYp5Nksh8U",
        auth="tBHItJI5svbpez7KI4CCXg")
    delivery = delivered(pending_delivery(due_dose(patient), patient.user, Channel.PUSH))

    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert delivery.last_error.startswith("the push service could not be reached")


def test_without_a_subscription_the_delivery_is_skipped(
        push_service: PushService, patient: Patient) -> None:
    delivery = delivered(pending_delivery(due_dose(patient), patient.user, Channel.PUSH))

    assert delivery.status == DeliveryStatus.SKIPPED
    assert delivery.last_error == "the recipient has no push subscription"
    assert delivery.cause == DeliveryCause.NO_DEVICE


ANOTHER_PAIRS_PUBLIC_KEY = new_vapid_keys()[0]


@pytest.mark.parametrize(("overrides", "problem"), [
    ({"VAPID_PRIVATE_KEY": "", "VAPID_PUBLIC_KEY": ""}, "Web Push is not configured"),
    ({"VAPID_PUBLIC_KEY": ""}, "Web Push is not configured"),
    ({"VAPID_PRIVATE_KEY": "not a key"}, "VAPID_PRIVATE_KEY is not a P-256 private key"),
    ({"VAPID_PUBLIC_KEY": ANOTHER_PAIRS_PUBLIC_KEY},
     "VAPID_PUBLIC_KEY does not belong to VAPID_PRIVATE_KEY"),
    ({"VAPID_SUBJECT": "ops@pulserx.example"}, "VAPID_SUBJECT must be a mailto: address"),
])
def test_unusable_vapid_settings_skip_the_delivery_and_say_why(
        push_service: PushService, patient: Patient, settings: SettingsWrapper,
        overrides: dict[str, str], problem: str) -> None:
    push_service.subscribe(patient.user)
    for name, value in overrides.items():
        setattr(settings, name, value)

    delivery = delivered(pending_delivery(due_dose(patient), patient.user, Channel.PUSH))

    assert delivery.status == DeliveryStatus.SKIPPED
    assert delivery.last_error.startswith(problem)
    assert delivery.cause == DeliveryCause.NOT_SET_UP
    assert push_service.received == []


def test_a_dose_recorded_before_the_push_goes_out_is_not_pushed(
        push_service: PushService, patient: Patient) -> None:
    push_service.subscribe(patient.user)
    dose = due_dose(patient)
    delivery = pending_delivery(dose, patient.user, Channel.PUSH)
    dose.status = DoseStatus.TAKEN
    dose.save()

    assert delivered(delivery).status == DeliveryStatus.SKIPPED
    assert push_service.received == []


def test_a_caregiver_alert_opens_the_app_and_has_no_buttons(
        push_service: PushService, patient: Patient, caregiver: User) -> None:
    push_service.subscribe(caregiver)
    dose = due_dose(patient)
    dose.status = DoseStatus.MISSED
    dose.save()
    delivery = pending_delivery(dose, caregiver, Channel.PUSH,
                                kind=NotificationKind.CAREGIVER_MISSED)

    assert delivered(delivery).status == DeliveryStatus.SENT
    [push] = push_service.received
    assert push.payload is not None
    assert push.payload["title"] == "alex missed a dose"
    assert push.payload["actions"] == [] and "action_token" not in push.payload
    assert push.headers["urgency"] == "normal"


def test_a_missed_dose_summary_has_no_dose(
        push_service: PushService, patient: Patient) -> None:
    push_service.subscribe(patient.user)
    delivery = pending_delivery(None, patient.user, Channel.PUSH, patient=patient,
                                kind=NotificationKind.MISSED_SUMMARY)
    delivery.notification.count = 3
    delivery.notification.save()

    assert delivered(delivery).status == DeliveryStatus.SENT
    payload = push_service.received[0].payload
    assert payload is not None
    assert payload["title"] == "3 doses missed while reminders were paused"
    assert payload["dose_id"] is None
    assert payload["tag"] == f"notification-{delivery.notification_id}"


def test_logs_name_no_medication_and_no_payload(
        push_service: PushService, patient: Patient, caplog: pytest.LogCaptureFixture) -> None:
    push_service.answer = 500
    push_service.subscribe(patient.user)
    second, _ = push_service.subscribe(patient.user)
    push_service.answers[second.endpoint.removeprefix(push_service.origin)] = 410
    caplog.set_level(logging.DEBUG)
    delivery = delivered(pending_delivery(due_dose(patient, name="Sertraline"), patient.user,
                                          Channel.PUSH))

    assert delivery.status == DeliveryStatus.PENDING
    ours = [record for record in caplog.records if record.name.startswith("pulserx")]
    assert len(ours) == 2, "the gone device and the failure should have been logged"
    logged = "\n".join(record.getMessage() for record in ours)
    assert "Sertraline" not in logged and "Sertraline" not in delivery.last_error
    assert "wpush" not in logged  # endpoints are capability URLs: ids only


def test_retry_after_backoff_reaches_the_device(
        push_service: PushService, patient: Patient) -> None:
    push_service.answer = 503
    push_service.subscribe(patient.user)
    delivery = delivered(pending_delivery(due_dose(patient), patient.user, Channel.PUSH))
    assert delivery.status == DeliveryStatus.PENDING
    push_service.answer = 201
    Delivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1))

    delivery = delivered(delivery)

    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 2
    assert delivery.last_error == "" and delivery.cause == ""
    assert len(push_service.received) == 2


def test_a_redirect_is_not_followed(push_service: PushService, patient: Patient) -> None:
    """A push service that answers 307 cannot send the worker to another address."""
    push_service.answer = 307
    push_service.subscribe(patient.user)

    delivery = delivered(pending_delivery(due_dose(patient), patient.user, Channel.PUSH))

    assert len(push_service.received) == 1
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.last_error == "the push service answered HTTP 307"


def test_a_push_service_with_an_untrusted_certificate_is_not_sent_to(
        push_service: PushService, patient: Patient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSL_CERT_FILE")  # the loopback service's certificate is self-signed
    push_service.subscribe(patient.user)

    delivery = delivered(pending_delivery(due_dose(patient), patient.user, Channel.PUSH))

    assert push_service.received == []
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.last_error == "the push service could not be reached (SSLCertVerificationError)"
