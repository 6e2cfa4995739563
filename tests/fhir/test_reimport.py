"""Importing what the patient already has (their own export, a repeat prescription) marks it
in the preview and adds nothing twice unless the patient asks for a second one."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client

from pulserx.accounts.models import Patient
from pulserx.fhir.bundle_out import patient_bundle
from pulserx.fhir.importing import import_document, preview
from pulserx.fhir.timing_in import Unsupported
from pulserx.reminders import models
from pulserx.reminders.models import Medication
from tests.api.conftest import token_client
from tests.fhir.examples import IMPORTED

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 25, 6, 0, tzinfo=UTC)
BID = json.dumps(IMPORTED["bid"][0])
METFORMIN = json.dumps(IMPORTED["contained_medication"][0])


@pytest.fixture(autouse=True)
def frozen() -> None:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def own_export(patient: Patient) -> str:
    import_document(patient, BID)
    import_document(patient, METFORMIN)
    return json.dumps(patient_bundle(patient, NOW))


def test_reimporting_ones_own_export_adds_nothing(patient: Patient, own_export: str,
                                                  client: Client) -> None:
    client.force_login(patient.user)

    page = client.post("/medications/import", {"document": own_export}).content.decode()
    saved = client.post("/medications/import", {"document": own_export, "confirm": "1"},
                        follow=True).content.decode()

    assert page.count("data-already") == 2 and "It is not imported again." in page
    assert "Nothing new to save" in page and "Save 0" not in page
    assert "Also add the 2 I already have, as second medications" in page
    assert "Nothing imported: you already have every medication it holds." in saved
    assert Medication.objects.filter(patient=patient).count() == 2


def test_only_what_is_new_is_added(patient: Patient, client: Client) -> None:
    (held,) = import_document(patient, BID)
    typed = "  " + "  ".join(held.name.upper().split()) + " "  # as someone might type it
    Medication.objects.filter(pk=held.pk).update(name=typed)
    both = {"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": IMPORTED["bid"][0]}, {"resource": IMPORTED["contained_medication"][0]}]}
    client.force_login(patient.user)

    page = client.post("/medications/import", {"document": json.dumps(both)}).content.decode()
    client.post("/medications/import", {"document": json.dumps(both), "confirm": "1"})

    assert page.count("data-already") == 1 and "Save 1 medication<" in page
    names = sorted(Medication.objects.filter(patient=patient).values_list("name", flat=True))
    assert len(names) == 2 and typed in names


def test_a_second_copy_is_added_when_asked(patient: Patient, own_export: str,
                                           client: Client) -> None:
    client.force_login(patient.user)
    page = client.post("/medications/import",
                       {"document": own_export, "duplicates": "1"}).content.decode()
    client.post("/medications/import", {"document": own_export, "duplicates": "1",
                                        "confirm": "1"})

    assert "It is added again as a second medication." in page and "Save 2 medications" in page
    assert Medication.objects.filter(patient=patient).count() == 4


def test_the_api_marks_what_the_patient_has_and_adds_it_only_when_asked(
        patient: Patient, own_export: str) -> None:
    api = token_client(patient)
    url = "/api/v1/fhir/MedicationRequest"

    dry = api.post(f"{url}?dry_run=true", own_export, content_type="application/fhir+json")
    plain = api.post(url, own_export, content_type="application/fhir+json")
    again = api.post(f"{url}?duplicates=true", own_export, content_type="application/fhir+json")

    assert [item["already_have"] for item in dry.json()["medications"]] == [True, True]
    assert (plain.status_code, plain.json()) == (201, {"medications": []})
    assert again.status_code == 201 and len(again.json()["medications"]) == 2
    assert Medication.objects.filter(patient=patient).count() == 4


def test_the_medication_cap_counts_only_what_is_added(
        patient: Patient, own_export: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(models, "MAX_MEDICATIONS_PER_PATIENT",
                        Medication.objects.filter(patient=patient).count())

    assert [item.already is not None for item in preview(patient, own_export)] == [True, True]
    with pytest.raises(Unsupported, match="At most"):
        preview(patient, own_export, duplicates=True)
