"""Importing through the page (paste or upload, preview, then save) and the API."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from pulserx.accounts.models import Patient
from pulserx.reminders.models import Medication
from tests.api.conftest import token_client
from tests.fhir.examples import IMPORTED, REFUSED

NOW = datetime(2026, 3, 25, 6, 0, tzinfo=UTC)
BID = json.dumps(IMPORTED["bid"][0])


@pytest.fixture(autouse=True)
def frozen() -> None:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def browser(patient: Patient, client: Client) -> Client:
    client.force_login(patient.user)
    return client


def test_pasting_shows_a_preview_and_saves_nothing_yet(browser: Client) -> None:
    response = browser.post("/medications/import", {"document": BID})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Amoxicillin 500 mg capsule" in page and "08:00" in page and "Save 1 medication" in page
    assert "First reminders" in page and "Wed 25 Mar 08:00" in page
    assert not Medication.objects.exists()


def test_confirming_the_preview_saves_the_medication(browser: Client) -> None:
    response = browser.post("/medications/import", {"document": BID, "confirm": "1"})
    assert response.status_code == 302
    medication = Medication.objects.get()
    assert [t["at"] for t in medication.schedule.times] == ["08:00", "20:00"]


def test_an_uploaded_file_is_read_like_pasted_text(browser: Client) -> None:
    upload = SimpleUploadedFile("rx.json", BID.encode(), content_type="application/json")
    response = browser.post("/medications/import", {"upload": upload})
    assert "Save 1 medication" in response.content.decode()


def test_a_refused_element_is_named_on_the_page(browser: Client) -> None:
    response = browser.post("/medications/import",
                            {"document": json.dumps(REFUSED["duration_max"][0]), "confirm": "1"})
    assert response.status_code == 422
    assert "Timing.repeat.durationMax is not supported" in response.content.decode()
    assert not Medication.objects.exists()


def test_the_api_imports_and_answers_with_the_medication(patient: Patient) -> None:
    response = token_client(patient).post("/api/v1/fhir/MedicationRequest", BID,
                                          content_type="application/fhir+json")
    assert response.status_code == 201
    (medication,) = response.json()["medications"]
    assert medication["schedule"]["recurrence"] == "daily"
    assert medication["schedule"]["next_due_at"] == "2026-03-25T08:00:00Z"  # London, GMT
    assert Medication.objects.count() == 1


def test_the_api_dry_run_lists_upcoming_reminders_without_saving(patient: Patient) -> None:
    response = token_client(patient).post("/api/v1/fhir/MedicationRequest?dry_run=true",
                                          json.dumps(IMPORTED["q8h"][0]),
                                          content_type="application/json")
    assert response.status_code == 200
    (item,) = response.json()["medications"]
    assert item["recurrence"] == "every_hours"
    # The first dose is 06:00 today, which is now: the next reminders follow it.
    assert item["upcoming"][:3] == ["2026-03-25T14:00:00Z", "2026-03-25T22:00:00Z",
                                    "2026-03-26T06:00:00Z"]
    assert not Medication.objects.exists()


def test_the_api_refuses_with_422_naming_the_element(patient: Patient) -> None:
    response = token_client(patient).post("/api/v1/fhir/MedicationRequest",
                                          json.dumps(REFUSED["dose_range"][0]),
                                          content_type="application/json")
    assert response.status_code == 422
    assert response.json()["detail"] == "Dosage.doseAndRate.doseRange is not supported"
    assert not Medication.objects.exists()
