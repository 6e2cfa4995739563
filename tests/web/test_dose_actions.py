"""Take, skip and snooze from the pages: plain forms, htmx and live.js (JSON)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import Client

from pulserx.accounts.models import Patient
from pulserx.notifications.models import Notification, NotificationKind
from pulserx.reminders.models import Dose, DoseStatus
from tests import factories as make

NOW = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
HTMX = {"HX-Request": "true"}
JSON = {"Accept": "application/json"}


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def test_take_records_the_dose_and_lowers_the_stock(patient_client: Client, patient: Patient):
    medication = make.medication(patient, stock=10)
    dose = make.dose(medication, NOW - timedelta(minutes=1))
    Notification.objects.create(recipient=patient.user, patient=patient, dose=dose,
                                kind=NotificationKind.REMINDER, created_at=NOW)

    response = patient_client.post(f"/doses/{dose.pk}/take", {"next": "/inbox/"})

    assert response.status_code == 302 and response["Location"] == "/inbox/"
    dose.refresh_from_db()
    medication.refresh_from_db()
    assert dose.status == DoseStatus.TAKEN and dose.acted_by == patient.user
    assert medication.stock == Decimal(9)
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_next_must_be_a_page_of_this_site(patient_client: Client, patient: Patient):
    dose = make.dose(make.medication(patient), NOW)

    response = patient_client.post(f"/doses/{dose.pk}/skip", {"next": "https://evil.example/"})

    assert response["Location"] == "/"
    dose.refresh_from_db()
    assert dose.status == DoseStatus.SKIPPED


def test_snooze_sets_snoozed_until(patient_client: Client, patient: Patient):
    dose = make.dose(make.medication(patient), NOW - timedelta(minutes=1))

    response = patient_client.post(f"/doses/{dose.pk}/snooze", {"minutes": "30"}, headers=HTMX)

    dose.refresh_from_db()
    assert dose.status == DoseStatus.SCHEDULED
    assert dose.snoozed_until == dose.next_action_at == NOW + timedelta(minutes=30)
    page = response.content.decode()
    assert response.status_code == 200 and page.lstrip().startswith("<li")
    assert "Snoozed until 10:30" in page  # London time
    assert '<section class="card" id="adherence"' in page and 'hx-swap-oob="true"' in page
    assert json.loads(response["HX-Trigger"]) == {"pulserx:unread": {"count": 0}}


@pytest.mark.parametrize("minutes", ["15", "", "ten"])
def test_snooze_refuses_other_durations(patient_client: Client, patient: Patient, minutes: str):
    dose = make.dose(make.medication(patient), NOW)

    response = patient_client.post(f"/doses/{dose.pk}/snooze", {"minutes": minutes},
                                   headers=JSON)

    assert response.status_code == 409
    assert "10, 30 or 60" in response.json()["error"] or "Choose" in response.json()["error"]
    dose.refresh_from_db()
    assert dose.status == DoseStatus.NOTIFIED and dose.snoozed_until is None


def test_json_answer_for_live_toasts(patient_client: Client, patient: Patient):
    medication = make.medication(patient, stock=3)
    dose = make.dose(medication, NOW)

    first = patient_client.post(f"/doses/{dose.pk}/take", headers=JSON)
    again = patient_client.post(f"/doses/{dose.pk}/take", headers=JSON)

    assert first.status_code == 200
    assert first.json() == {"dose_id": dose.pk, "status": "taken", "badge": "taken",
                            "label": "Taken", "unread": 0, "message": "Marked as taken."}
    assert again.status_code == 409 and again.json()["error"].startswith("Already taken by ")
    medication.refresh_from_db()
    assert medication.stock == Decimal(2)  # taken once


def test_a_refused_action_is_shown_in_the_row(patient_client: Client, patient: Patient):
    dose = make.dose(make.medication(patient), NOW, status=DoseStatus.SKIPPED)

    response = patient_client.post(f"/doses/{dose.pk}/take", {"fragment": "state"},
                                   headers=HTMX)

    page = response.content.decode()
    assert response.status_code == 200 and page.lstrip().startswith('<div class="dose-state"')
    assert "already marked skipped" in page


def test_without_javascript_a_refusal_is_a_message(patient_client: Client, patient: Patient):
    dose = make.dose(make.medication(patient), NOW, status=DoseStatus.TAKEN)

    response = patient_client.post(f"/doses/{dose.pk}/skip", {"next": "/"}, follow=True)

    assert "already marked taken" in response.content.decode()


def test_row_fragment_for_live_updates(patient_client: Client, patient: Patient):
    dose = make.dose(make.medication(patient), NOW, status=DoseStatus.TAKEN)

    row = patient_client.get(f"/doses/{dose.pk}/row").content.decode()
    state = patient_client.get(f"/doses/{dose.pk}/row?fragment=state&next=/inbox/")

    assert row.lstrip().startswith(f'<li id="dose-{dose.pk}"') and "Taken" in row
    assert 'class="dose-state"' in state.content.decode()


def test_actions_are_post_only(patient_client: Client, patient: Patient):
    dose = make.dose(make.medication(patient), NOW)

    assert patient_client.get(f"/doses/{dose.pk}/take").status_code == 405


def test_send_a_test_reminder_due_in_five_seconds(patient_client: Client, patient: Patient):
    response = patient_client.post("/test-reminder", follow=True)

    dose = Dose.objects.get(patient=patient)
    assert dose.medication is None and dose.status == DoseStatus.SCHEDULED
    assert dose.due_at == dose.next_action_at == NOW + timedelta(seconds=5)
    assert "A test reminder is on its way — it arrives in about 5 seconds" in \
        response.content.decode()


def test_test_reminder_with_htmx_answers_a_notice(patient_client: Client, patient: Patient):
    response = patient_client.post("/test-reminder", headers=HTMX)

    assert 'class="flash flash-success"' in response.content.decode()
    assert Dose.objects.filter(patient=patient, medication=None).count() == 1
