"""A test reminder proves the patient's delivery and nothing else: the caregiver's day page,
its timeline and the dose row never show it; the patient's Today does."""

from __future__ import annotations

from datetime import UTC, datetime

import time_machine
from django.test import Client

from pulserx.accounts.models import Patient, User
from pulserx.dispatch.tick import tick
from pulserx.reminders.actions import send_test_reminder
from tests import factories as make
from tests.support import https_client

NOW = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)


def test_the_caregivers_day_shows_the_patients_doses_only(patient_client: Client,
                                                          patient: Patient,
                                                          caregiver: User) -> None:
    with time_machine.travel(NOW, tick=False):
        make.medication(patient, "10:30")
        test = send_test_reminder(patient)
    with time_machine.travel(NOW.replace(second=10), tick=False):
        tick()
        carer = https_client()
        carer.force_login(caregiver)
        day = carer.get(f"/care/{patient.pk}/").content.decode()
        timeline = carer.get(f"/care/{patient.pk}/timeline").content.decode()
        row = carer.get(f"/doses/{test.pk}/row")
        today = patient_client.get("/").content.decode()
    for page in (day, timeline):
        assert "Metformin" in page
        assert "Test reminder" not in page and f"dose-{test.pk}" not in page
    assert row.status_code == 404
    assert f"dose-{test.pk}" in today
