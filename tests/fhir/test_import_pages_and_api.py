"""Importing through the page (paste or upload, preview, then save) and the API."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from pulserx.accounts.models import Patient
from pulserx.fhir.importing import import_document, next_doses, preview
from pulserx.reminders.models import Medication
from pulserx.web.templatetags.pulserx_web import plan_summary
from tests.api.conftest import token_client
from tests.fhir.examples import IMPORTED, REFUSED, request

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


SCHEDULE_FIELDS = ("recurrence", "times", "weekdays", "every_days", "days_on", "days_off",
                   "start_date", "end_date", "every_minutes", "anchor_at", "window_start",
                   "window_end", "interval_from", "dose_count", "dose_amount", "phases",
                   "continue_last_phase", "max_doses", "limit_period_hours", "min_gap_minutes")


@pytest.mark.parametrize("name", list(IMPORTED))
def test_the_saved_schedule_equals_the_preview(name: str, patient: Patient) -> None:
    document = json.dumps(IMPORTED[name][0])
    (shown,) = preview(patient, document)
    (medication,) = import_document(patient, document)
    saved = medication.schedule
    for field in SCHEDULE_FIELDS:
        assert getattr(saved, field) == getattr(shown.schedule, field), field
    assert (medication.form, medication.dose_unit, medication.paused) == (
        shown.medication.form, shown.medication.dose_unit, shown.medication.paused)
    assert plan_summary(saved, medication) == plan_summary(shown.schedule, shown.medication)
    if not medication.paused:
        assert next_doses(saved, NOW) == shown.upcoming


def test_the_preview_sets_the_prescription_beside_what_will_be_reminded(
        browser: Client) -> None:
    document = {**IMPORTED["bid"][0], "dosageInstruction": [
        {**IMPORTED["bid"][0]["dosageInstruction"][0],
         "doseAndRate": [{"doseQuantity": {"value": 75, "unit": "mcg"}}]}]}
    page = browser.post("/medications/import", {"document": json.dumps(document)}
                        ).content.decode()
    assert "The prescription says</dt><dd data-prescribed>Twice a day</dd>" in page
    assert ("PulseRx will remind</dt><dd data-reminds>08:00 (75 micrograms), 20:00 "
            "(75 micrograms) · every day</dd>") in page


def test_the_api_dry_run_words_the_prescription_and_the_reminders(patient: Patient) -> None:
    response = token_client(patient).post("/api/v1/fhir/MedicationRequest?dry_run=true", BID,
                                          content_type="application/json")
    (item,) = response.json()["medications"]
    assert item["prescribed"] == "Twice a day"
    assert item["reminds"] == "08:00 (1 tablet), 20:00 (1 tablet) · every day"


SINGLE = json.dumps(request([{"text": "500 mg once", "timing": {"repeat": {"count": 1}}}],
                            name="Azithromycin 500 mg"))


def test_a_single_dose_without_a_time_is_placed_by_the_patient(browser: Client) -> None:
    asked = browser.post("/medications/import", {"document": SINGLE})
    page = asked.content.decode()
    assert asked.status_code == 200 and 'name="single_dose_at"' in page
    assert "a single dose is reminded at the time it is to be given" in page
    assert not Medication.objects.exists()
    shown = browser.post("/medications/import", {"document": SINGLE, "single_dose_at": "18:00"})
    assert "18:00 (1) · every day · until 25 Mar 2026" in shown.content.decode()
    saved = browser.post("/medications/import", {"document": SINGLE, "single_dose_at": "18:00",
                                                  "confirm": "1"})
    assert saved.status_code == 302
    schedule = Medication.objects.get().schedule
    assert [t["at"] for t in schedule.times] == ["18:00"]
    assert schedule.start_date == schedule.end_date == NOW.date()


def test_the_api_asks_for_the_time_of_a_single_dose(patient: Patient) -> None:
    client = token_client(patient)
    refused = client.post("/api/v1/fhir/MedicationRequest?dry_run=true", SINGLE,
                          content_type="application/json")
    assert refused.status_code == 422
    assert refused.json()["detail"].endswith("choose the time")
    placed = client.post("/api/v1/fhir/MedicationRequest?single_dose_at=18:00", SINGLE,
                         content_type="application/json")
    assert placed.status_code == 201
    assert placed.json()["medications"][0]["schedule"]["next_due_at"] == "2026-03-25T18:00:00Z"
