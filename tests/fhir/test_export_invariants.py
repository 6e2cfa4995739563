"""The export keeps every invariant of the official R4 StructureDefinitions (evaluated by
fhirpathpy), validates with fhir.resources' R4B models, names the zone of its wall times,
codes forms, carries UCUM units, and puts what changes the timing's meaning in
modifierExtensions."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import time_machine
from fhir.resources.R4B.bundle import Bundle

from pulserx.accounts.models import Patient
from pulserx.fhir.bundle_out import patient_bundle
from pulserx.reminders.models import Medication, Schedule
from tests.conftest import make_patient
from tests.fhir.r4_invariants import DEFINITIONS, empty_elements, violations
from tests.kinds.every_kind import every_kind

NOW = datetime(2026, 3, 21, 12, 0, tzinfo=UTC)
EXAMPLES = Path(__file__).parent / "data" / "hl7-r4-examples"
TZ_CODE = "http://hl7.org/fhir/StructureDefinition/tz-code"


@pytest.fixture(autouse=True)
def frozen() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def berliner(db: None) -> Patient:
    return make_patient("pat@example.org", tz="Europe/Berlin")


def measured(patient: Patient) -> None:
    """A dose in micrograms and a liquid in mL beside every schedule kind."""
    for name, form, unit, amount in (("Levothyroxine", "tablet", "ug", "75"),
                                     ("Amoxicillin suspension", "liquid", "", "10")):
        medication = Medication.objects.create(patient=patient, name=name, form=form,
                                               dose_unit=unit)
        Schedule.objects.create(patient=patient, medication=medication, start_date=NOW.date(),
                                times=[{"at": "08:00", "amount": amount}])


def test_the_validator_finds_a_broken_invariant() -> None:
    broken = {"resourceType": "MedicationStatement", "status": "active",
              "medicationCodeableConcept": {"text": "x"}, "subject": {"reference": "Patient/1"},
              "dosage": [{"timing": {"repeat": {"when": ["CM"], "offset": 0}}}]}
    assert [(v.key, v.path) for v in violations(broken, "MedicationStatement")] == [
        ("tim-9", "MedicationStatement.dosage.timing.repeat")]


def test_the_official_examples_keep_every_invariant_the_engine_evaluates() -> None:
    for file in sorted(EXAMPLES.glob("*.json")):
        resource = json.loads(file.read_text())
        assert violations(resource, resource["resourceType"]) == [], file.name


def test_the_export_of_every_kind_keeps_every_r4_invariant(berliner: Patient) -> None:
    every_kind(berliner, NOW)
    measured(berliner)
    bundle = patient_bundle(berliner, NOW)
    assert violations(bundle, "Bundle") == []
    assert empty_elements(bundle) == []
    Bundle.model_validate(bundle)  # and fhir.resources' R4B models accept it
    assert {p.name for p in DEFINITIONS.glob("StructureDefinition-*.json")} >= {
        f"StructureDefinition-{t}.json" for t in ("Bundle", "Patient", "Medication",
                                                  "MedicationStatement", "Dosage", "Timing")}


def statements(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"]
            if e["resource"]["resourceType"] == "MedicationStatement"]


def test_every_wall_time_names_its_zone(berliner: Patient) -> None:
    every_kind(berliner, NOW)
    bundle = patient_bundle(berliner, NOW)
    zone = {"extension": [{"url": TZ_CODE, "valueCode": "Europe/Berlin"}]}
    assert bundle["_timestamp"] == zone
    for statement in statements(bundle):
        assert statement["_dateAsserted"] == zone
        for dosage in statement.get("dosage", []):
            repeat = dosage.get("timing", {}).get("repeat", {})
            if "timeOfDay" in repeat or "when" in repeat or "boundsPeriod" in repeat:
                period = repeat.get("boundsPeriod") or statement["effectivePeriod"]
                assert period["_start"] == zone


def test_meaning_changing_pulserx_data_are_modifiers(berliner: Patient) -> None:
    every_kind(berliner, NOW)
    Schedule.objects.filter(recurrence="every_hours").update(interval_from="taken")
    bundle = patient_bundle(berliner, NOW)
    for statement in statements(bundle):
        for dosage in statement.get("dosage", []):
            assert "extension" not in dosage.get("timing", {}).get("repeat", {})
    urls = {m["url"].rsplit("/", 1)[-1] for s in statements(bundle)
            for d in s.get("dosage", []) for m in d.get("modifierExtension", [])}
    assert urls == {"cycle", "waking-window", "interval-from"}


def test_forms_are_coded_and_amounts_carry_ucum_units(berliner: Patient) -> None:
    measured(berliner)
    Medication.objects.create(patient=berliner, name="Metformin", form="tablet",
                              strength="500 mg", stock=Decimal(10))
    bundle = patient_bundle(berliner, NOW)
    forms = {e["resource"]["code"]["text"]: e["resource"]["form"] for e in bundle["entry"]
             if e["resource"]["resourceType"] == "Medication"}
    assert forms["Metformin"]["coding"][0]["code"] == "385055001"
    assert forms["Amoxicillin suspension"]["coding"][0]["code"] == "SOL"
    doses = {s["dosage"][0]["doseAndRate"][0]["doseQuantity"]["code"]
             for s in statements(bundle) if s.get("dosage")}
    assert doses == {"ug", "mL"}
