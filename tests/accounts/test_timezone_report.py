"""The browser reports where the patient is; the server re-plans only when that matters."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from pulserx.accounts.models import Patient, User
from pulserx.reminders.models import Medication, Schedule
from pulserx.reminders.planning import replan
from tests.support import https_client

from .helpers import csrf_token_of

pytestmark = pytest.mark.django_db
URL = "/accounts/timezone/"


def test_the_endpoint_lives_where_the_page_says(client: Client, patient: Patient) -> None:
    assert reverse("report_timezone") == URL
    client.force_login(patient.user)
    html = client.get(reverse("account_settings")).content.decode()
    assert f'data-timezone-url="{URL}"' in html


def test_report_records_the_reported_zone_once_and_asks(client: Client, patient: Patient) -> None:
    client.force_login(patient.user)
    first = client.post(URL, {"timezone": "Asia/Tokyo"})
    assert first.status_code == 200
    assert first.json() == {"timezone": "Asia/Tokyo", "changed": True, "ask": True}
    patient.refresh_from_db()
    assert (patient.reported_timezone, patient.current_timezone) == ("Asia/Tokyo", "")
    assert client.post(URL, {"timezone": "Asia/Tokyo"}).json()["changed"] is False


def test_a_first_report_from_home_asks_nothing(client: Client, patient: Patient) -> None:
    client.force_login(patient.user)
    answer = client.post(URL, {"timezone": patient.timezone}).json()
    assert answer["ask"] is False
    patient.refresh_from_db()
    assert patient.current_timezone == patient.timezone


@pytest.mark.parametrize(("home", "reported"), [
    ("Asia/Kolkata", "Asia/Calcutta"), ("Europe/Kyiv", "Europe/Kiev"),
    ("America/Argentina/Buenos_Aires", "America/Buenos_Aires"),
])
def test_an_old_name_of_home_is_home(client: Client, patient: Patient, home: str,
                                     reported: str) -> None:
    """Browsers on older ICU data report places by names the tz database has renamed."""
    Patient.objects.filter(pk=patient.pk).update(timezone=home)
    client.force_login(patient.user)
    answer = client.post(URL, {"timezone": reported}).json()
    assert answer == {"timezone": home, "changed": True, "ask": False}
    patient.refresh_from_db()
    assert (patient.reported_timezone, patient.current_timezone) == (home, home)


def test_report_needs_post_and_sign_in(client: Client, patient: Patient) -> None:
    assert client.post(URL, {"timezone": "Asia/Tokyo"}).status_code == 401
    client.force_login(patient.user)
    assert client.get(URL).status_code == 405
    patient.refresh_from_db()
    assert patient.current_timezone == ""


def test_a_caregivers_browser_keeps_their_own_clock(client: Client, patient: Patient,
                                                    caregiver: User) -> None:
    client.force_login(caregiver)

    first = client.post(URL, {"timezone": "Asia/Tokyo"}).json()
    again = client.post(URL, {"timezone": "Asia/Tokyo"}).json()

    assert (first["changed"], again["changed"], first["ask"]) == (True, False, False)
    caregiver.refresh_from_db()
    patient.refresh_from_db()
    assert caregiver.timezone == "Asia/Tokyo" and patient.current_timezone == ""


def test_report_rejects_an_unknown_zone(client: Client, patient: Patient) -> None:
    client.force_login(patient.user)
    response = client.post(URL, {"timezone": "Atlantis/Capital"})
    assert response.status_code == 400 and "timezone" in response.json()["errors"]
    patient.refresh_from_db()
    assert patient.current_timezone == ""


def test_report_needs_the_csrf_token_the_page_gives(patient: Patient) -> None:
    client = https_client(enforce_csrf_checks=True)
    client.force_login(patient.user)
    origin = {"Origin": "https://testserver"}  # what fetch() sends with a POST
    assert client.post(URL, {"timezone": "Asia/Tokyo"}, headers=origin).status_code == 403
    token = csrf_token_of(client, reverse("account_settings"))
    response = client.post(URL, {"timezone": "Asia/Tokyo"},
                           headers={**origin, "X-CSRFToken": token})
    assert response.status_code == 200


@time_machine.travel(datetime(2026, 3, 10, 12, 0, tzinfo=UTC), tick=False)
@pytest.mark.parametrize(("policy", "next_due"), [
    ("local", datetime(2026, 3, 10, 23, 0, tzinfo=UTC)),  # 08:00 in Tokyo
    ("home", datetime(2026, 3, 11, 8, 0, tzinfo=UTC)),  # still 08:00 in London
])
def test_choosing_a_clock_replans_only_when_it_moves_the_clock(
    client: Client, patient: Patient, policy: str, next_due: datetime
) -> None:
    medication = Medication.objects.create(patient=patient, name="Levothyroxine")
    schedule = Schedule.objects.create(patient=patient, medication=medication,
                                       start_date=date(2026, 1, 1),
                                       times=[{"at": "08:00", "amount": "1"}])
    replan(schedule)
    client.force_login(patient.user)
    client.post(URL, {"timezone": "Asia/Tokyo"})
    schedule.refresh_from_db()
    assert schedule.next_due_at == datetime(2026, 3, 11, 8, 0, tzinfo=UTC)  # nothing moved yet
    response = client.post(URL + "choose/", {"travel_policy": policy})
    assert response.status_code == 302
    schedule.refresh_from_db()
    assert schedule.next_due_at == next_due


def test_choosing_needs_a_known_policy(client: Client, patient: Patient) -> None:
    client.force_login(patient.user)
    response = client.post(URL + "choose/", {"travel_policy": "moon"})
    assert response.status_code == 400 and b"home or local" in response.content
