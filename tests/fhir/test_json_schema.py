"""The export validates against HL7's FHIR R4 JSON schema (the third structural reference,
beside the R4 invariants by fhirpathpy and fhir.resources' R4B models)."""

from __future__ import annotations

import gzip
import hashlib
import json
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import time_machine

from pulserx.accounts.models import Patient
from pulserx.fhir.bundle_out import patient_bundle
from tests.conftest import make_patient
from tests.fhir.test_export_bundle import recorded_doses
from tests.kinds.every_kind import every_kind

NOW = datetime(2026, 3, 21, 12, 0, tzinfo=UTC)
DATA = Path(__file__).parent / "data"
SCHEMA = DATA / "hl7-r4-json-schema" / "fhir.schema.json.gz"
SCHEMA_SHA256 = "15b9548af6412c44faaa411456e0652542de286fd1c58ef882b09bdc8947909d"


@cache
def validator() -> Any:
    text = gzip.decompress(SCHEMA.read_bytes())
    assert hashlib.sha256(text).hexdigest() == SCHEMA_SHA256  # HL7's file, unchanged
    return jsonschema_rs.Draft6Validator(json.loads(text))


def problems(resource: dict[str, Any]) -> list[str]:
    return [f"{'/'.join(map(str, e.instance_path))}: {e.message[:200]}"
            for e in validator().iter_errors(resource)]


def test_the_schema_accepts_the_official_examples_and_refuses_a_wrong_type() -> None:
    examples = sorted((DATA / "hl7-r4-examples").glob("*.json"))
    assert len(examples) == 47
    for file in examples:
        assert problems(json.loads(file.read_text())) == [], file.name
    wrong = {"resourceType": "MedicationStatement", "status": "active",
             "subject": {"reference": "Patient/1"}, "medicationCodeableConcept": {"text": "x"},
             "dosage": [{"timing": {"repeat": {"frequency": "2"}}}]}
    assert problems(wrong)


@pytest.fixture
def berliner(db: None) -> Patient:
    return make_patient("pat@example.org", tz="Europe/Berlin")


def test_the_export_of_every_kind_and_its_record_is_valid_r4_json(berliner: Patient) -> None:
    with time_machine.travel(NOW, tick=False):
        made = every_kind(berliner, NOW)
        recorded_doses(berliner, made["daily_with_gap_time"])
        bundle = patient_bundle(berliner, NOW)
    kinds = {entry["resource"]["resourceType"] for entry in bundle["entry"]}
    assert kinds == {"Patient", "Medication", "MedicationStatement", "MedicationAdministration"}
    assert problems(bundle) == []
