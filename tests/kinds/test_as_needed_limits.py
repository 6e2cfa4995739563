"""As-needed doses: "Took a dose" on Today and in the API, limits enforced on both.

Must hold: the 5th dose in 24 h with a maximum of 4, and a dose 3 h after the last with a 4 h
minimum gap, are refused (page: a confirmation saying why and when; API: 409 with the same
words), and recorded with a flag when confirmed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import Client

from pulserx.accounts.models import Patient, User
from pulserx.notifications.models import Notification, NotificationKind
from pulserx.reminders.as_needed import limit_explanation
from pulserx.reminders.models import Dose, DoseStatus, LimitGroup, Medication, Schedule
from pulserx.reminders.schedule import Recurrence
from tests.api.conftest import token_client
from tests.support import https_client

API = "/api/v1"
NOW = datetime(2026, 3, 10, 18, 0, tzinfo=UTC)  # Europe/London: 18:00 local


def as_needed(patient: Patient, name: str = "Ibuprofen", stock: str = "20",
              group: LimitGroup | None = None, **limits: int) -> Medication:
    med = Medication.objects.create(patient=patient, name=name, strength="200 mg",
                                    stock=Decimal(stock))
    Schedule.objects.create(patient=patient, medication=med, start_date=date(2026, 1, 1),
                            recurrence=Recurrence.AS_NEEDED, limit_group=group, **limits)
    return med


def taken(med: Medication, *hours_ago: float) -> None:
    for hours in hours_ago:
        at = NOW - timedelta(hours=hours)
        Dose.objects.create(patient=med.patient, medication=med, schedule=med.schedule,
                            due_at=at, acted_at=at, status=DoseStatus.TAKEN)


@pytest.fixture
def browser(patient: Patient) -> Client:
    client = https_client()
    client.force_login(patient.user)
    return client


@pytest.fixture(autouse=True)
def frozen() -> None:
    with time_machine.travel(NOW, tick=False):
        yield


def test_today_lists_as_needed_medications_with_a_took_a_dose_button(
        patient: Patient, browser: Client) -> None:
    as_needed(patient, max_doses=4)
    page = browser.get("/").content.decode()
    assert "As needed" in page and "Took a dose" in page and "at most 4 in 24 h" in page


def test_took_a_dose_now_lowers_stock_and_shows_in_the_days_history(
        patient: Patient, browser: Client) -> None:
    med = as_needed(patient)
    response = browser.post(f"/medications/{med.pk}/took", {"at": ""})
    assert response.status_code == 302
    dose = Dose.objects.get(medication=med)
    assert (dose.status, dose.due_at, dose.acted_at) == (DoseStatus.TAKEN, NOW, NOW)
    med.refresh_from_db()
    assert med.stock == Decimal(19)
    timeline = browser.get("/").content.decode()
    assert "Ibuprofen" in timeline and "Taken" in timeline


def test_took_a_dose_at_a_typed_time_records_that_time_on_the_patients_clock(
        patient: Patient, browser: Client) -> None:
    med = as_needed(patient)
    browser.post(f"/medications/{med.pk}/took", {"at": "09:15"})
    assert Dose.objects.get(medication=med).due_at == datetime(2026, 3, 10, 9, 15, tzinfo=UTC)


def test_a_dose_in_the_future_is_refused(patient: Patient, browser: Client) -> None:
    med = as_needed(patient)
    response = browser.post(f"/medications/{med.pk}/took", {"at": "23:00"}, follow=True)
    assert "cannot be recorded in the future" in response.content.decode()
    assert not Dose.objects.exists()


def test_fifth_dose_in_24_hours_with_a_maximum_of_4_is_refused_on_the_page(
        patient: Patient, browser: Client) -> None:
    med = as_needed(patient, max_doses=4)
    taken(med, 20, 15, 10, 5)  # 22:00, 03:00, 08:00, 13:00
    response = browser.post(f"/medications/{med.pk}/took", {"at": ""})
    assert response.status_code == 409
    page = response.content.decode()
    assert "At most 4 doses in 24 hours: 4 already taken" in page
    assert "The next dose is allowed from 22:00." in page  # when the oldest leaves the window
    assert "Record it anyway" in page
    assert Dose.objects.count() == 4
    med.refresh_from_db()
    assert med.stock == Decimal(20)


def test_confirming_on_the_page_records_the_dose_with_a_flag(
        patient: Patient, caregiver: User, browser: Client) -> None:
    med = as_needed(patient, max_doses=4)
    taken(med, 20, 15, 10, 5)
    response = browser.post(f"/medications/{med.pk}/took", {"at": "", "override": "on"})
    assert response.status_code == 302
    dose = Dose.objects.get(due_at=NOW)
    assert dose.limit_override is True
    assert dose.limit_note.startswith("At most 4 doses in 24 hours")
    alert = Notification.objects.get(recipient=caregiver)
    assert alert.kind == NotificationKind.CAREGIVER_OVERRIDE and alert.dose == dose


def test_dose_3_hours_after_the_last_with_a_4_hour_gap_is_refused_on_the_page(
        patient: Patient, browser: Client) -> None:
    med = as_needed(patient, min_gap_minutes=240)
    taken(med, 3)
    response = browser.post(f"/medications/{med.pk}/took", {"at": ""})
    assert response.status_code == 409
    page = response.content.decode()
    assert "Leave at least 4 hours between doses (the last was at 15:00)." in page
    assert "The next dose is allowed from 19:00." in page


def test_api_answers_409_with_the_same_explanation_for_a_fifth_dose(patient: Patient) -> None:
    med = as_needed(patient, max_doses=4)
    taken(med, 20, 15, 10, 5)
    response = token_client(patient).post(f"{API}/medications/{med.pk}/doses", {},
                                          content_type="application/json")
    assert response.status_code == 409
    body = response.json()
    assert body["detail"] == limit_explanation(med.schedule, NOW)[0]
    assert body["detail"].startswith("At most 4 doses in 24 hours: 4 already taken")
    assert body["next_allowed"] == "2026-03-10T22:00:00Z"
    assert Dose.objects.count() == 4


def test_api_answers_409_for_a_dose_inside_the_minimum_gap(patient: Patient) -> None:
    med = as_needed(patient, min_gap_minutes=240)
    taken(med, 3)
    response = token_client(patient).post(f"{API}/medications/{med.pk}/doses", {},
                                          content_type="application/json")
    assert response.status_code == 409
    assert "Leave at least 4 hours between doses" in response.json()["detail"]
    assert response.json()["next_allowed"] == "2026-03-10T19:00:00Z"


def test_api_override_records_the_dose_with_a_flag(patient: Patient) -> None:
    med = as_needed(patient, min_gap_minutes=240, max_doses=4)
    taken(med, 3)
    response = token_client(patient).post(f"{API}/medications/{med.pk}/doses",
                                          {"override": True}, content_type="application/json")
    assert response.status_code == 201
    body = response.json()
    assert body["limit_override"] is True and body["status"] == "taken"
    assert "Leave at least 4 hours" in body["limit_note"]


def test_api_records_a_dose_within_the_limits_and_lowers_stock(patient: Patient) -> None:
    med = as_needed(patient, min_gap_minutes=240, max_doses=4)
    taken(med, 5)
    response = token_client(patient).post(
        f"{API}/medications/{med.pk}/doses",
        {"taken_at": "2026-03-10T17:30:00Z", "amount": 2}, content_type="application/json")
    assert response.status_code == 201
    assert response.json()["limit_override"] is False
    med.refresh_from_db()
    assert med.stock == Decimal(18)


def test_a_limit_group_counts_doses_of_every_medication_in_it(patient: Patient) -> None:
    group = LimitGroup.objects.create(patient=patient, name="paracetamol", max_doses=4)
    first = as_needed(patient, name="Paracetamol", group=group)
    second = as_needed(patient, name="Cold and flu", group=group)
    taken(first, 20, 15)
    taken(second, 10, 5)
    response = token_client(patient).post(f"{API}/medications/{second.pk}/doses", {},
                                          content_type="application/json")
    assert response.status_code == 409
    assert "At most 4 doses of paracetamol in 24 hours" in response.json()["detail"]


def test_a_late_entry_that_would_crowd_later_doses_is_refused(patient: Patient) -> None:
    med = as_needed(patient, max_doses=2)
    taken(med, 2, 1)  # recording one at 10 h ago would put 3 in the 24 h ending now
    response = token_client(patient).post(
        f"{API}/medications/{med.pk}/doses", {"taken_at": "2026-03-10T08:00:00Z"},
        content_type="application/json")
    assert response.status_code == 409


def test_another_patients_medication_is_not_found(patient: Patient,
                                                  other_patient: Patient) -> None:
    med = as_needed(other_patient)
    response = token_client(patient).post(f"{API}/medications/{med.pk}/doses", {},
                                          content_type="application/json")
    assert response.status_code == 404


def test_as_needed_doses_do_not_count_in_adherence(patient: Patient, browser: Client) -> None:
    med = as_needed(patient)
    taken(med, 2, 5)
    body = token_client(patient).get(f"{API}/adherence?days=7").json()
    assert (body["taken"], body["rate"]) == (0, None)
