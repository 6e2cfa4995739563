"""Every MedicationRequest example imports to its expected schedule or is refused naming the
element; a refused document writes nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from fhir.resources.R4B.medicationrequest import MedicationRequest

from pulserx.accounts.models import Patient
from pulserx.fhir.importing import import_document, preview
from pulserx.fhir.timing_in import Unsupported
from pulserx.reminders.models import Medication, Schedule
from tests.conftest import make_patient
from tests.fhir.examples import IMPORTED, MALFORMED, REFUSED, REFUSED_MEANING

TODAY = datetime(2026, 3, 25, 6, 0, tzinfo=UTC)


@pytest.fixture
def berliner(db: None) -> Patient:
    return make_patient("pat@example.org", tz="Europe/Berlin")


@pytest.fixture(autouse=True)
def frozen() -> Any:
    with time_machine.travel(TODAY, tick=False):
        yield


def test_there_are_at_least_15_examples() -> None:
    assert len(IMPORTED) + len(REFUSED) >= 15 and len(REFUSED) >= 5


@pytest.mark.parametrize("name", [*IMPORTED, *REFUSED, *REFUSED_MEANING])
def test_every_example_is_valid_fhir_r4b(name: str) -> None:
    document = (IMPORTED.get(name) or REFUSED.get(name) or REFUSED_MEANING[name])[0]
    MedicationRequest.model_validate(document)


@pytest.mark.parametrize("name", list(IMPORTED))
def test_example_imports_to_the_expected_schedule(name: str, berliner: Patient) -> None:
    document, expected = IMPORTED[name]
    (medication,) = import_document(berliner, json.dumps(document))
    schedule = Schedule.objects.get(medication=medication)
    for key, value in expected.items():
        match key:
            case "ats":
                assert [t["at"] for t in schedule.times] == value
            case "anchors":
                assert [t.get("anchor") for t in schedule.times] == value
            case "offsets":
                assert [t.get("offset") for t in schedule.times] == value
            case "phases":
                assert len(schedule.phases) == value
            case "paused":
                assert medication.paused == value
            case "instructions":
                assert value in medication.instructions
            case "name" | "strength":
                assert getattr(medication, key) == value
            case "dose_amount":
                assert schedule.dose_amount == Decimal(value)
            case "start_date" | "end_date":
                assert str(getattr(schedule, key)) == value
            case _:
                assert getattr(schedule, key) == value, key
    if schedule.recurrence != "as_needed" and not medication.paused:
        assert schedule.next_due_at is not None


def test_four_step_taper_phases_carry_their_doses(berliner: Patient) -> None:
    (medication,) = import_document(berliner, json.dumps(IMPORTED["four_step_taper"][0]))
    phases = medication.schedule.phases
    assert [(p["days"], p["times"][0]["amount"]) for p in phases] == [
        (5, "4"), (5, "3"), (5, "2"), (5, "1")]


def test_q8h_anchor_is_the_first_time_on_the_patients_clock(berliner: Patient) -> None:
    (medication,) = import_document(berliner, json.dumps(IMPORTED["q8h"][0]))
    assert medication.schedule.anchor_at == datetime(2026, 3, 25, 5, 0, tzinfo=UTC)


@pytest.mark.parametrize("name", list(REFUSED))
def test_example_is_refused_naming_the_element(name: str, berliner: Patient) -> None:
    document, message = REFUSED[name]
    with pytest.raises(Unsupported) as refused:
        preview(berliner, json.dumps(document))
    assert str(refused.value).startswith(message)


def test_a_bundle_with_one_refused_request_imports_nothing(berliner: Patient) -> None:
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": IMPORTED["bid"][0]}, {"resource": REFUSED["duration_max"][0]}]}
    with pytest.raises(Unsupported):
        import_document(berliner, json.dumps(bundle))
    assert not Medication.objects.exists() and not Schedule.objects.exists()


def test_text_that_is_not_json_is_refused(berliner: Patient) -> None:
    with pytest.raises(Unsupported, match="not valid JSON"):
        preview(berliner, "{nope")


@pytest.mark.parametrize("name", list(REFUSED_MEANING))
def test_valid_fhir_whose_meaning_cannot_be_kept_is_refused(name: str,
                                                           berliner: Patient) -> None:
    document, message = REFUSED_MEANING[name]
    with pytest.raises(Unsupported) as refused:
        import_document(berliner, json.dumps(document))
    assert str(refused.value).startswith(message)
    assert not Medication.objects.exists()


@pytest.mark.parametrize("name", list(MALFORMED))
def test_malformed_values_are_refused_naming_the_element(name: str, berliner: Patient) -> None:
    document, message = MALFORMED[name]
    with pytest.raises(Unsupported) as refused:
        preview(berliner, json.dumps(document))
    assert str(refused.value).startswith(message)


def test_a_value_of_an_unforeseen_type_is_refused_without_python_wording(
        berliner: Patient) -> None:
    document = {**IMPORTED["bid"][0], "dosageInstruction": [{"timing": {"repeat": {
        "frequency": 1, "period": 1, "periodUnit": "d", "timeOfDay": [8]}}}]}
    with pytest.raises(Unsupported) as refused:
        preview(berliner, json.dumps(document))
    assert "Error" not in str(refused.value) and "object" not in str(refused.value)


def test_invalid_json_says_where_without_python_wording(berliner: Patient) -> None:
    with pytest.raises(Unsupported) as refused:
        preview(berliner, '{"resourceType": "MedicationRequest",\n "status": }')
    assert str(refused.value) == "The document is not valid JSON (line 2, column 12)"
