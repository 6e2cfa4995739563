"""The inbox page and /inbox/since, the endpoint live.js reconciles with on (re)connect."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from pulserx.accounts.models import Patient, User
from pulserx.notifications.models import (
    Channel,
    Delivery,
    DeliveryCause,
    DeliveryStatus,
    Notification,
    NotificationKind,
)
from pulserx.reminders.models import Dose, DoseStatus
from tests import factories as make
from tests.support import https_client

NOW = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def notify(patient: Patient, dose: Dose | None, kind: str = NotificationKind.REMINDER,
           recipient: User | None = None, **fields: object) -> Notification:
    return Notification.objects.create(recipient=recipient or patient.user, patient=patient,
                                       dose=dose, kind=kind, created_at=NOW, **fields)


def test_since_returns_only_newer_notifications_of_that_user(
        patient_client: Client, patient: Patient, other_patient: Patient):
    medication = make.medication(patient)
    first = notify(patient, make.dose(medication, NOW - timedelta(hours=2)))
    second = notify(patient, make.dose(medication, NOW - timedelta(hours=1)))
    notify(other_patient, None, kind=NotificationKind.MISSED_SUMMARY, count=2)
    third = notify(patient, None, kind=NotificationKind.MISSED_SUMMARY, count=3)

    data = patient_client.get(f"/inbox/since?after={first.pk}").json()

    assert [n["id"] for n in data["notifications"]] == [second.pk, third.pk]
    assert data["unread"] == 3 and data["last_id"] == third.pk and data["more"] is False
    assert patient_client.get(f"/inbox/since?after={third.pk}").json()["notifications"] == []


def test_since_items_have_the_live_event_shape(patient_client: Client, patient: Patient):
    medication = make.medication(patient)
    dose = make.dose(medication, datetime(2025, 6, 2, 7, 0, tzinfo=UTC))
    notification = notify(patient, dose, late=True)

    [item] = patient_client.get("/inbox/since?after=0").json()["notifications"]

    assert item == {
        "kind": "notification", "id": notification.pk, "type": "reminder", "dose_id": dose.pk,
        "patient_id": patient.pk, "title": "Time for Metformin 500 mg",
        "body": "Take 1 tablet of Metformin 500 mg (due at 08:00, sent late).", "late": True,
        "actionable": True, "created_at": NOW.isoformat(), "quiet": False,
    }


def test_a_recorded_dose_is_no_longer_actionable(patient_client: Client, patient: Patient):
    dose = make.dose(make.medication(patient), NOW, status=DoseStatus.TAKEN)
    notify(patient, dose)

    [item] = patient_client.get("/inbox/since?after=0").json()["notifications"]

    assert item["actionable"] is False


def test_since_pages_through_many(patient_client: Client, patient: Patient):
    medication = make.medication(patient)
    ids = [notify(patient, make.dose(medication, NOW - timedelta(minutes=i))).pk
           for i in range(55)]

    first = patient_client.get("/inbox/since?after=0").json()
    rest = patient_client.get(f"/inbox/since?after={first['notifications'][-1]['id']}").json()

    assert first["more"] is True and len(first["notifications"]) == 50
    assert [n["id"] for n in first["notifications"] + rest["notifications"]] == ids
    assert rest["more"] is False


def test_since_without_a_cursor_only_tells_the_newest_id(patient_client: Client,
                                                         patient: Patient):
    newest = notify(patient, None, kind=NotificationKind.MISSED_SUMMARY)

    data = patient_client.get("/inbox/since").json()

    assert data["notifications"] == [] and data["last_id"] == newest.pk


@pytest.mark.parametrize("after", ["-1", "abc", "1.5"])
def test_since_rejects_a_bad_cursor(patient_client: Client, after: str):
    response = patient_client.get(f"/inbox/since?after={after}")

    assert response.status_code == 400 and "after" in response.json()["error"]


def test_since_requires_sign_in(db: None):
    assert https_client().get("/inbox/since?after=0").status_code == 302


def test_inbox_lists_newest_first_with_unread_highlighted(patient_client: Client,
                                                          patient: Patient):
    medication = make.medication(patient)
    old = notify(patient, make.dose(medication, NOW - timedelta(hours=3), status=DoseStatus.TAKEN),
                 read_at=NOW)
    new = notify(patient, make.dose(medication, NOW - timedelta(minutes=1)))

    page = patient_client.get("/inbox/").content.decode()

    assert page.index(f'id="notification-{new.pk}"') < page.index(f'id="notification-{old.pk}"')
    assert "<title>(1) Inbox · PulseRx</title>" in page
    assert "1 unread" in page
    new_item = page[page.index(f'id="notification-{new.pk}"') - 80:]
    assert "inbox-unread" in new_item[:200]
    assert f'action="/doses/{new.dose_id}/take"' in page
    assert f'action="/doses/{old.dose_id}/take"' not in page  # already taken


def test_inbox_shows_how_each_notification_was_delivered(patient_client: Client,
                                                         patient: Patient):
    notification = notify(patient, make.dose(make.medication(patient), NOW))
    Delivery.objects.create(notification=notification, channel=Channel.WEB,
                            status=DeliveryStatus.SENT, attempts=1, sent_at=NOW)
    Delivery.objects.create(notification=notification, channel=Channel.EMAIL,
                            status=DeliveryStatus.FAILED, attempts=5,
                            last_error="550 mailbox unavailable")

    page = patient_client.get("/inbox/").content.decode()

    assert "How it was delivered" in page
    assert "In the app" in page and "Email" in page
    assert "5 attempts" in page and "Last error: 550 mailbox unavailable" in page  # an old row


@pytest.mark.parametrize(("status", "attempts", "sentence"), [
    (DeliveryStatus.PENDING, 2, "The service could not be reached; PulseRx tries again."),
    (DeliveryStatus.FAILED, 1, "The service could not be reached; PulseRx gave up after 1 try."),
    (DeliveryStatus.FAILED, 8, "The service could not be reached; PulseRx gave up after 8 tries."),
])
def test_inbox_says_why_in_a_sentence_and_keeps_the_technical_reason(
        patient_client: Client, patient: Patient, status: str, attempts: int, sentence: str):
    notification = notify(patient, make.dose(make.medication(patient), NOW))
    Delivery.objects.create(notification=notification, channel=Channel.EMAIL, status=status,
                            attempts=attempts, cause=DeliveryCause.UNREACHABLE,
                            last_error="the mail server answered 451")

    page = patient_client.get("/inbox/").content.decode()

    assert sentence in page
    assert "Technical details</summary>the mail server answered 451" in page
    assert "Last error:" not in page


def test_mark_all_read(patient_client: Client, patient: Patient, other_patient: Patient):
    notify(patient, None, kind=NotificationKind.MISSED_SUMMARY)
    notify(patient, None, kind=NotificationKind.MISSED_SUMMARY)
    theirs = notify(other_patient, None, kind=NotificationKind.MISSED_SUMMARY)

    response = patient_client.post("/inbox/read-all", follow=True)

    assert "Marked 2 as read." in response.content.decode()
    assert not Notification.objects.filter(recipient=patient.user, read_at=None).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_caregiver_alerts_offer_no_buttons(patient: Patient, caregiver: User):
    dose = make.dose(make.medication(patient), NOW, status=DoseStatus.MISSED)
    notify(patient, dose, kind=NotificationKind.CAREGIVER_MISSED, recipient=caregiver)
    client = https_client()
    client.force_login(caregiver)

    page = client.get("/inbox/").content.decode()
    [item] = client.get("/inbox/since?after=0").json()["notifications"]

    assert "alex missed a dose" in page
    assert "/take" not in page
    assert item["type"] == "caregiver_missed" and item["actionable"] is False


def test_live_refresh_of_the_list_is_a_fragment(patient_client: Client, patient: Patient):
    notify(patient, None, kind=NotificationKind.MISSED_SUMMARY, count=2)

    fragment = patient_client.get("/inbox/", headers={"HX-Request": "true"}).content.decode()

    assert fragment.startswith('<div id="inbox-list"') and "2 doses missed" in fragment
