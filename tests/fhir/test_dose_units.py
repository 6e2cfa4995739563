"""A dose keeps its unit: a prescribed mass or volume becomes product units only when the
product's strength makes that exact; otherwise it is reminded, recorded and exported in its own
unit, and it does not count down a stock kept in product units."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.test import Client

from pulserx.accounts.models import Patient
from pulserx.fhir.bundle_out import patient_bundle
from pulserx.fhir.importing import import_document
from pulserx.fhir.timing_in import Unsupported
from pulserx.reminders.actions import record_dose
from pulserx.reminders.amounts import Measure, amount_text
from pulserx.reminders.models import Dose, DoseStatus, Medication, StockEvent
from pulserx.web.templatetags.pulserx_web import dose_amount, plan_summary
from tests.conftest import make_patient
from tests.fhir.examples import UCUM_SYSTEM, repeat, request

NOW = datetime(2026, 3, 25, 6, 0, tzinfo=UTC)
DAILY_8 = repeat(frequency=1, period=1, periodUnit="d", timeOfDay=["08:00:00"])


@pytest.fixture(autouse=True)
def frozen() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def berliner(db: None) -> Patient:
    return make_patient("pat@example.org", tz="Europe/Berlin")


def ucum(value: float, code: str) -> dict[str, Any]:
    return {"value": value, "unit": code, "system": UCUM_SYSTEM, "code": code}


def with_product(name: str, form: str, strength: dict[str, Any] | None,
                 dose: dict[str, Any], **dosage: Any) -> dict[str, Any]:
    medication: dict[str, Any] = {"resourceType": "Medication", "id": "med",
                                  "code": {"text": name}, "form": {"text": form}}
    if strength is not None:
        medication["ingredient"] = [{"itemCodeableConcept": {"text": name},
                                     "strength": strength}]
    document = request([{"timing": DAILY_8, "doseAndRate": [{"doseQuantity": dose}],
                         **dosage}])
    del document["medicationCodeableConcept"]
    return {**document, "contained": [medication], "medicationReference": {"reference": "#med"}}


PER_TABLET = {"numerator": ucum(2, "mg"), "denominator": {"value": 1, "unit": "tablet"}}

CASES = {
    # name: (document, dose unit kept, amount stored, the amount in words)
    "6 mg of 2 mg tablets": (with_product("Myleran", "Tablet", PER_TABLET, ucum(6, "mg")),
                             "", "3", "3 tablets (6 mg)"),
    "5 mg of 2 mg tablets is not whole": (with_product("Myleran", "Tablet", PER_TABLET,
                                                       ucum(5, "mg")), "mg", "5", "5 mg"),
    "75 micrograms, strength unknown": (with_product("Levothyroxine", "Tablet", None,
                                                     {"value": 75, "unit": "mcg"}),
                                        "ug", "75", "75 micrograms"),
    "10 mL of an oral solution": (with_product("Amoxicillin", "Oral solution", None,
                                               ucum(10, "mL")), "", "10", "10 mL"),
    "100 mg of a 25 mg/mL suspension": (with_product(
        "Phenytoin", "Oral suspension", {"numerator": ucum(25, "mg"),
                                         "denominator": ucum(1, "mL")}, ucum(100, "mg")),
        "", "4", "4 mL (100 mg)"),
    "20 units of insulin": (with_product("Lantus", "Injection solution", None,
                                         ucum(20, "U")), "U", "20", "20 units"),
    "2 puffs": (with_product("Salbutamol", "Inhaler", None, {"value": 2, "unit": "puff"}),
                "", "2", "2 puffs"),
    "1 drop": (with_product("Timolol", "Eye drops", None, ucum(1, "[drp]")),
               "", "1", "1 drop"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_a_dose_keeps_its_unit_or_becomes_exact_product_units(name: str,
                                                             berliner: Patient) -> None:
    document, unit, amount, words = CASES[name]
    (medication,) = import_document(berliner, json.dumps(document))
    assert medication.dose_unit == unit
    assert medication.schedule.times[0]["amount"] == amount
    assert dose_amount(Decimal(amount), medication) == words
    assert plan_summary(medication.schedule, medication) == f"08:00 ({words}) · every day"


def test_a_dose_in_another_unit_does_not_count_down_the_stock(berliner: Patient) -> None:
    document = CASES["75 micrograms, strength unknown"][0]
    (medication,) = import_document(berliner, json.dumps(document))
    Medication.objects.filter(pk=medication.pk).update(stock=Decimal(30))
    dose = Dose.objects.create(patient=berliner, medication=medication,
                               schedule=medication.schedule, due_at=NOW, amount=Decimal(75))
    record_dose(dose.pk, DoseStatus.TAKEN, by=berliner.user)
    medication.refresh_from_db()
    assert medication.stock == Decimal(30) and not StockEvent.objects.exists()


def test_a_converted_dose_counts_down_the_stock_in_tablets(berliner: Patient) -> None:
    (medication,) = import_document(berliner, json.dumps(CASES["6 mg of 2 mg tablets"][0]))
    Medication.objects.filter(pk=medication.pk).update(stock=Decimal(30))
    dose = Dose.objects.create(patient=berliner, medication=medication,
                               schedule=medication.schedule, due_at=NOW, amount=Decimal(3))
    record_dose(dose.pk, DoseStatus.TAKEN, by=berliner.user)
    medication.refresh_from_db()
    assert medication.stock == Decimal(27)


def test_a_maximum_in_mg_limits_whole_doses_of_a_dose_in_mg(berliner: Patient) -> None:
    document = request([{"asNeededBoolean": True,
                         "timing": repeat(frequency=1, period=4, periodUnit="h"),
                         "doseAndRate": [{"doseQuantity": ucum(500, "mg")}],
                         "maxDosePerPeriod": {"numerator": ucum(4, "g"),
                                              "denominator": ucum(24, "h")}}])
    (medication,) = import_document(berliner, json.dumps(document))
    schedule = medication.schedule
    assert (schedule.max_doses, schedule.limit_period_hours) == (8, 24)
    assert dose_amount(schedule.dose_amount, medication) == "500 mg"


def test_doses_in_different_units_are_refused(berliner: Patient) -> None:
    document = request([
        {"timing": DAILY_8, "doseAndRate": [{"doseQuantity": ucum(5, "mg")}]},
        {"timing": repeat(frequency=1, period=1, periodUnit="d", timeOfDay=["20:00:00"]),
         "doseAndRate": [{"doseQuantity": {"value": 1, "unit": "tablet"}}]}])
    with pytest.raises(Unsupported, match=r"gives amounts in different units \(a count, mg\)"):
        import_document(berliner, json.dumps(document))


@pytest.mark.parametrize(("name", "code"), [
    ("75 micrograms, strength unknown", "ug"), ("10 mL of an oral solution", "mL"),
    ("20 units of insulin", "U"), ("100 mg of a 25 mg/mL suspension", "mL"),
    ("2 puffs", "{puff}"), ("1 drop", "[drp]")])
def test_the_export_writes_the_unit_in_ucum_and_imports_back_the_same(
        name: str, code: str, berliner: Patient) -> None:
    (original,) = import_document(berliner, json.dumps(CASES[name][0]))
    bundle = patient_bundle(berliner, NOW + timedelta(hours=1))
    statement = next(e["resource"] for e in bundle["entry"]
                     if e["resource"]["resourceType"] == "MedicationStatement")
    quantity = statement["dosage"][0]["doseAndRate"][0]["doseQuantity"]
    assert quantity["system"] == UCUM_SYSTEM
    assert quantity["code"] == code
    twin = make_patient("twin@example.org", tz="Europe/Berlin")
    (copy,) = import_document(twin, json.dumps(bundle))
    assert (copy.dose_unit, copy.form, copy.schedule.times) == (
        original.dose_unit, original.form, original.schedule.times)
    amount = Decimal(original.schedule.times[0]["amount"])
    assert dose_amount(amount, copy) == dose_amount(amount, original) == CASES[name][3]


def test_every_amount_formatter_is_the_one_formatter() -> None:
    assert amount_text(Decimal(75), Measure("tablet", "ug")) == "75 micrograms"
    assert amount_text(Decimal(1), Measure("other", "U")) == "1 unit"
    assert amount_text(Decimal(2), "tablet") == "2 tablets"
    assert amount_text(Decimal("2.5"), Measure("liquid")) == "2.5 mL"


def test_a_maximum_in_mg_of_tablets_of_known_strength_is_whole_doses(berliner: Patient) -> None:
    strength = {"numerator": ucum(500, "mg"), "denominator": {"value": 1, "unit": "tablet"}}
    document = with_product("Paracetamol", "Tablet", strength, {"value": 1, "unit": "tablet"},
                            asNeededBoolean=True, maxDosePerPeriod={
                                "numerator": ucum(4000, "mg"), "denominator": ucum(24, "h")})
    document["dosageInstruction"][0]["timing"] = repeat(frequency=1, period=4, periodMax=6,
                                                        periodUnit="h")
    (medication,) = import_document(berliner, json.dumps(document))
    schedule = medication.schedule
    assert (schedule.max_doses, schedule.limit_period_hours, schedule.min_gap_minutes) == (
        8, 24, 240)
    assert dose_amount(schedule.dose_amount, medication) == "1 tablet (500 mg)"


def test_today_says_the_stock_is_not_counted_down_for_a_measured_dose(
        berliner: Patient, client: Client) -> None:
    (medication,) = import_document(
        berliner, json.dumps(CASES["75 micrograms, strength unknown"][0]))
    Medication.objects.filter(pk=medication.pk).update(stock=Decimal(30))
    client.force_login(berliner.user)
    page = client.get("/").content.decode()
    assert "08:00" in page and "75 micrograms" in page
    assert "30 left (not counted down: a dose in micrograms does not say how many were used)" \
        in page


def test_the_edit_form_says_the_amounts_unit(berliner: Patient, client: Client) -> None:
    (medication,) = import_document(berliner, json.dumps(CASES["20 units of insulin"][0]))
    client.force_login(berliner.user)
    page = client.get(f"/medications/{medication.pk}/edit").content.decode()
    assert "Amounts are in units</strong>, as prescribed." in page
