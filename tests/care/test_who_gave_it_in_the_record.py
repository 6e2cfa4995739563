"""Who gave each dose travels with the record: History, the report (page and PDF), the
CSV, the API and the FHIR export (MedicationAdministration.performer)."""

from __future__ import annotations

import csv
import io

from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from pulserx.accounts.models import Patient, User
from pulserx.exports.dose_csv import dose_rows, write_csv
from pulserx.exports.report import build_report
from pulserx.fhir.bundle_out import patient_bundle
from pulserx.reminders.actions import record_dose
from pulserx.reminders.clock import local_today
from pulserx.reminders.models import Dose, DoseStatus, RecordedVia
from tests.care.conftest import signed_in
from tests.fhir.r4_invariants import violations


def given_by_ana(ana: User, dose: Dose) -> Dose:
    return record_dose(dose.pk, DoseStatus.TAKEN, ana, via=RecordedVia.API)


def test_the_fhir_administration_names_the_carer_as_performer(
        patient: Patient, ana: User, due_dose: Dose):
    given_by_ana(ana, due_dose)
    bundle = patient_bundle(patient, timezone.now())

    Bundle.model_validate(bundle)
    assert violations(bundle, "Bundle") == []
    resources = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
    given = next(r for r in resources.values() if r["resourceType"] == "MedicationAdministration")
    actor = given["performer"][0]["actor"]
    assert actor["display"] == "Ana"
    person = resources[actor["reference"]]
    assert person["resourceType"] == "RelatedPerson" and person["name"][0]["text"] == "Ana"


def test_a_dose_the_patient_took_has_the_patient_as_performer(patient: Patient,
                                                               due_dose: Dose):
    record_dose(due_dose.pk, DoseStatus.TAKEN, patient.user)
    bundle = patient_bundle(patient, timezone.now())
    Bundle.model_validate(bundle)
    given = next(e["resource"] for e in bundle["entry"]
                 if e["resource"]["resourceType"] == "MedicationAdministration")
    assert given["performer"][0]["actor"]["reference"] == given["subject"]["reference"]


def test_csv_report_and_history_say_who_gave_it(patient: Patient, ana: User, due_dose: Dose):
    given_by_ana(ana, due_dose)
    today = local_today(patient)
    rows = list(csv.reader(io.StringIO(write_csv(dose_rows(patient, today, today,
                                                           timezone.now())))))
    assert rows[0][-2:] == ["recorded_by", "recorded_via"]
    assert rows[1][-2:] == ["Ana", "api"]

    report = build_report(patient, today, today, timezone.now())
    assert report.recorded_by_text == "Recorded by Ana (1)"
    page = signed_in(patient.user).get(f"/history/?day={today.isoformat()}")
    assert "Given by Ana at " in page.content.decode()
