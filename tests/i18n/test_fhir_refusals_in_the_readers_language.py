"""A FHIR import's refusal is said in the reader's language on the import page, naming the
element and the document's value as written, while the API answers the same document in
English (it speaks English to programs). The German words come from catalogs made for the
test (`catalog`)."""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client

from pulserx.accounts.models import Patient
from pulserx.reminders.models import Medication
from tests.api.conftest import token_client
from tests.fhir.examples import REFUSED, REFUSED_MEANING
from tests.i18n.conftest import MakeCatalog
from tests.support import https_client

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 25, 6, 0, tzinfo=UTC)
ONLY_ACTIVE = ("only active and on-hold (imported paused) prescriptions can become reminders")
GERMAN = {
    "%(element)s '%(value)s' is not supported":
        "%(element)s „%(value)s“ wird nicht unterstützt",
    "%(element)s '%(value)s' cannot be imported: the course is over; " + ONLY_ACTIVE:
        "%(element)s „%(value)s“ kann nicht importiert werden: die Behandlung ist beendet; "
        "nur aktive und pausierte Verordnungen werden zu Erinnerungen",
}


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def german_reader(patient: Patient) -> Client:
    patient.user.language = "de"
    patient.user.save(update_fields=["language"])
    client = https_client()
    client.force_login(patient.user)
    return client


@pytest.mark.parametrize(("example", "german"), [
    ("monthly", "Timing.repeat.periodUnit „mo“ wird nicht unterstützt"),
    ("completed", "MedicationRequest.status „completed“ kann nicht importiert werden: die "
                  "Behandlung ist beendet; nur aktive und pausierte Verordnungen werden zu "
                  "Erinnerungen"),
])
def test_the_page_refuses_in_german_and_the_api_in_english(
        catalog: MakeCatalog, patient: Patient, example: str, german: str) -> None:
    catalog("de", GERMAN)
    document, english = {**REFUSED, **REFUSED_MEANING}[example]

    page = german_reader(patient).post("/medications/import",
                                       {"document": json.dumps(document), "confirm": "1"})
    assert page.status_code == 422
    assert german in html.unescape(page.content.decode())

    api = token_client(patient).post("/api/v1/fhir/MedicationRequest", json.dumps(document),
                                     content_type="application/fhir+json")
    assert api.status_code == 422
    assert api.json()["detail"].startswith(english)
    assert "nicht" not in api.json()["detail"]
    assert not Medication.objects.exists()
