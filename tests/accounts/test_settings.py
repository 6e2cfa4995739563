"""A patient's settings: validated next to each field, and a clock change re-plans doses."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from pulserx.accounts.models import Patient
from pulserx.reminders.models import Medication, Schedule
from pulserx.reminders.planning import replan

pytestmark = pytest.mark.django_db

VALID = {"timezone": "Europe/London", "travel_policy": "home", "notify_push": "on",
         "missed_after_minutes": "60", "realert_every_minutes": "15", "realert_limit": "2",
         "quiet_start": "", "quiet_end": ""}


def save(client: Client, **overrides: str):  # type: ignore[no-untyped-def]
    return client.post(reverse("account_settings"), {**VALID, **overrides})


def daily_at_eight(patient: Patient) -> Schedule:
    medication = Medication.objects.create(patient=patient, name="Metformin")
    schedule = Schedule.objects.create(patient=patient, medication=medication,
                                       start_date=date(2026, 1, 1),
                                       times=[{"at": "08:00", "amount": "1"}])
    replan(schedule)
    schedule.refresh_from_db()
    return schedule


def test_saving_valid_settings(client: Client, patient: Patient) -> None:
    client.force_login(patient.user)
    response = save(client, notify_email="on", quiet_start="22:00", quiet_end="07:00")
    assert response["Location"] == reverse("account_settings")
    patient.refresh_from_db()
    assert patient.notify_email and patient.notify_push
    assert patient.realert_every_minutes == 15
    assert patient.quiet_start.isoformat() == "22:00:00"  # type: ignore[union-attr]


@pytest.mark.parametrize(("field", "value"), [
    ("missed_after_minutes", "0"), ("missed_after_minutes", "721"),
    ("realert_every_minutes", "241"), ("realert_limit", "11"), ("realert_limit", "-1"),
    ("timezone", "Nowhere/Special"), ("travel_policy", "teleport"),
])
def test_out_of_range_values_are_refused_next_to_the_field(
    client: Client, patient: Patient, field: str, value: str
) -> None:
    client.force_login(patient.user)
    response = save(client, **{field: value})
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="id_{field}_error"' in html
    patient.refresh_from_db()
    assert patient.missed_after_minutes == 60 and patient.timezone == "Europe/London"


def test_quiet_hours_need_both_ends(client: Client, patient: Patient) -> None:
    client.force_login(patient.user)
    html = save(client, quiet_start="22:00").content.decode()
    assert 'id="id_quiet_end_error"' in html and "both ends" in html
    patient.refresh_from_db()
    assert patient.quiet_start is None


@time_machine.travel(datetime(2026, 3, 10, 12, 0, tzinfo=UTC), tick=False)
def test_changing_the_home_zone_replans_doses(client: Client, patient: Patient) -> None:
    schedule = daily_at_eight(patient)
    assert schedule.next_due_at == datetime(2026, 3, 11, 8, 0, tzinfo=UTC)  # 08:00 London
    client.force_login(patient.user)
    save(client, timezone="Asia/Tokyo")
    schedule.refresh_from_db()
    assert schedule.next_due_at == datetime(2026, 3, 10, 23, 0, tzinfo=UTC)  # 08:00 Tokyo


@time_machine.travel(datetime(2026, 3, 10, 12, 0, tzinfo=UTC), tick=False)
def test_changing_the_travel_policy_replans_doses(client: Client, patient: Patient) -> None:
    Patient.objects.filter(pk=patient.pk).update(current_timezone="America/New_York")
    schedule = daily_at_eight(patient)
    client.force_login(patient.user)
    save(client, travel_policy="local")
    schedule.refresh_from_db()
    assert schedule.next_due_at == datetime(2026, 3, 11, 12, 0, tzinfo=UTC)  # 08:00 New York


def test_caregiver_settings_page_has_no_patient_form(client: Client, caregiver) -> None:  # type: ignore[no-untyped-def]
    client.force_login(caregiver)
    response = client.get(reverse("account_settings"))
    assert response.status_code == 200
    assert b"Change password" in response.content and b"missed_after_minutes" not in (
        response.content)
    assert b"My time zone" in response.content


def test_a_caregiver_sets_their_own_clock(client: Client, caregiver) -> None:  # type: ignore[no-untyped-def]
    client.force_login(caregiver)

    saved = client.post(reverse("account_settings"), {"timezone": "America/New_York"})
    refused = client.post(reverse("account_settings"), {"timezone": "Atlantis/Capital"})

    assert saved.status_code == 302
    assert refused.status_code == 200 and b"Atlantis/Capital" in refused.content
    caregiver.refresh_from_db()
    assert caregiver.timezone == "America/New_York"
