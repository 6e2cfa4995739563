"""The FHIR export: a Bundle that validates with fhir.resources (R4B), carries every schedule
kind as Dosage/Timing and every recorded dose as a MedicationAdministration, and imports back
to the same reminder instants."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from fhir.resources.R4B.bundle import Bundle

from pulserx.accounts.models import Patient
from pulserx.fhir.bundle_out import patient_bundle
from pulserx.fhir.importing import import_document
from pulserx.fhir.timing_in import Unsupported
from pulserx.reminders.models import Dose, DoseStatus, Medication
from tests.api.conftest import token_client
from tests.conftest import make_patient
from tests.kinds.every_kind import KINDS, every_kind

NOW = datetime(2026, 3, 21, 12, 0, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture(autouse=True)
def frozen() -> None:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def berliner(db: None) -> Patient:
    return make_patient("pat@example.org", tz="Europe/Berlin")


def recorded_doses(patient: Patient, medication: Medication) -> None:
    for hours, status in ((30, DoseStatus.TAKEN), (20, DoseStatus.SKIPPED),
                          (10, DoseStatus.MISSED)):
        due = NOW - timedelta(hours=hours)
        Dose.objects.create(patient=patient, medication=medication,
                            schedule=medication.schedule, due_at=due, status=status,
                            acted_at=due + timedelta(minutes=5)
                            if status == DoseStatus.TAKEN else None)


def instants(medication: Medication, days: int = 60) -> list[datetime]:
    timetable = medication.schedule.timetable()
    return [d.at for d in timetable.doses(BERLIN, NOW, NOW + timedelta(days=days))]


def test_the_bundle_validates_and_holds_every_kind_and_dose(berliner: Patient) -> None:
    made = every_kind(berliner, NOW)
    recorded_doses(berliner, made["daily_with_gap_time"])
    bundle = patient_bundle(berliner, NOW)
    Bundle.model_validate(bundle)  # raises on anything R4B does not allow
    kinds = [entry["resource"]["resourceType"] for entry in bundle["entry"]]
    assert kinds.count("MedicationStatement") == len(KINDS)
    administrations = [e["resource"] for e in bundle["entry"]
                       if e["resource"]["resourceType"] == "MedicationAdministration"]
    assert [(a["status"], a["effectiveDateTime"]) for a in administrations] == [
        ("completed", "2026-03-20T06:05:00Z"), ("not-done", "2026-03-20T16:00:00Z"),
        ("not-done", "2026-03-21T02:00:00Z")]
    assert administrations[1]["statusReason"][0]["text"] == "Skipped by the patient"
    assert administrations[2]["statusReason"][0]["text"].startswith("Missed")


@pytest.mark.parametrize("kind", list(KINDS))
def test_export_then_import_keeps_every_reminder_instant(kind: str, berliner: Patient) -> None:
    original = every_kind(berliner, NOW)[kind]
    bundle = patient_bundle(berliner, NOW)
    statement = next(e for e in bundle["entry"]
                     if e["resource"]["resourceType"] == "MedicationStatement"
                     and e["resource"]["id"] == f"statement-{original.pk}")
    medication_entry = next(e for e in bundle["entry"] if e["fullUrl"] ==
                            statement["resource"]["medicationReference"]["reference"])
    single = {**bundle, "entry": [medication_entry, statement]}
    twin = make_patient("twin@example.org", tz="Europe/Berlin")
    (copy,) = import_document(twin, json.dumps(single))
    assert copy.name == original.name and copy.strength == original.strength
    assert (copy.form, copy.dose_unit) == (original.form, original.dose_unit)
    assert instants(copy) == instants(original)
    assert instants(original) or kind == "as_needed"
    assert [d.amount for d in copy.schedule.timetable().doses(
        BERLIN, NOW, NOW + timedelta(days=30))] == [
        d.amount for d in original.schedule.timetable().doses(
            BERLIN, NOW, NOW + timedelta(days=30))]
    for field in ("max_doses", "min_gap_minutes", "limit_period_hours", "dose_count",
                  "interval_from", "continue_last_phase"):
        assert getattr(copy.schedule, field) == getattr(original.schedule, field), field


def test_the_api_serves_the_bundle_as_fhir_json(berliner: Patient) -> None:
    every_kind(berliner, NOW)
    response = token_client(berliner).get("/api/v1/fhir/Bundle?days=30")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")
    Bundle.model_validate(response.json())


def test_the_medications_page_offers_the_download(berliner: Patient, client: Client) -> None:
    client.force_login(berliner.user)
    every_kind(berliner, NOW)
    response = client.get("/medications/export.fhir.json")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    Bundle.model_validate(json.loads(response.content))
    assert "export.fhir.json" in client.get("/medications/").content.decode()


def test_wall_times_are_not_moved_to_another_zone(berliner: Patient) -> None:
    every_kind(berliner, NOW)
    bundle = patient_bundle(berliner, NOW)
    tokyo = make_patient("tokyo@example.org", tz="Asia/Tokyo")
    with pytest.raises(Unsupported, match="names the zone Europe/Berlin for its times, not "
                       "the patient's reminder clock Asia/Tokyo"):
        import_document(tokyo, json.dumps(bundle))
