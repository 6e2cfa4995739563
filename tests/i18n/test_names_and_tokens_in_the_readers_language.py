"""The rule for names and short text (`pulserx.plaintext`) and the Settings page's API token
section speak the reader's language: a medication name refused on its form or in a FHIR
import, a token name refused, a token's limits, a token revoked. Catalogs are made for the
test (`catalog`)."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from pulserx.accounts.models import Patient
from pulserx.api.models import MAX_NEW_TOKENS_PER_HOUR, ApiToken
from pulserx.reminders.models import Medication
from tests.api.test_hostile_inputs import fhir_request
from tests.i18n.conftest import MakeCatalog, Plural
from tests.support import https_client

pytestmark = pytest.mark.django_db

CONTROL = "must not contain control characters (such as NUL, tab or line breaks)"
GERMAN = {
    CONTROL: "darf keine Steuerzeichen enthalten (etwa NUL, Tabulator oder Zeilenumbruch)",
    "needs at least one visible character": "braucht mindestens ein sichtbares Zeichen",
    "The name %(problem)s.": "Der Name %(problem)s.",
    "The medication's name %(problem)s": "Der Name des Medikaments %(problem)s",
    "This %(problem)s.": "Dieser Text %(problem)s.",
    "The token's name %(problem)s.": "Der Name des Tokens %(problem)s.",
    "Give the token a name (for example the script that will use it) and choose when it "
    "expires.": "Geben Sie dem Token einen Namen und wählen Sie, wann es abläuft.",
    "The token “%(name)s” is revoked: requests that carry it are refused from now on.":
        "Das Token „%(name)s“ ist widerrufen.",
    Plural("At most %(most)s new token an hour: try again later.",
           "At most %(most)s new tokens an hour: try again later."):
        ("Höchstens %(most)s neues Token pro Stunde.",
         "Höchstens %(most)s neue Tokens pro Stunde."),
}


def german_client(patient: Patient) -> Client:
    patient.user.language = "de"
    patient.user.save(update_fields=["language"])
    client = https_client()
    client.force_login(patient.user)
    return client


def test_a_medication_name_and_strength_are_refused_in_german(
        catalog: MakeCatalog, patient: Patient) -> None:
    catalog("de", GERMAN)
    page = german_client(patient).post("/medications/new", {
        "name": "Met\x1bformin", "strength": "500\x00mg", "form": "tablet",
        "recurrence": "daily", "time": ["08:00"], "amount": ["1"],
        "start_date": "2027-03-01"}).content.decode()
    assert "Der Name darf keine Steuerzeichen enthalten" in page
    assert "Dieser Text darf keine Steuerzeichen enthalten" in page
    assert "control characters" not in page
    assert not Medication.objects.exists()


def test_a_medication_name_in_a_fhir_import_is_refused_in_german(
        catalog: MakeCatalog, patient: Patient) -> None:
    catalog("de", GERMAN)
    response = german_client(patient).post("/medications/import", {
        "document": json.dumps(fhir_request("Met\x1bformin"))})
    assert response.status_code == 422
    assert "Der Name des Medikaments darf keine Steuerzeichen enthalten" in \
        response.content.decode()
    assert not Medication.objects.exists()


@pytest.mark.parametrize(("name", "german"), [
    ("My\x00script", "Der Name des Tokens darf keine Steuerzeichen enthalten"),
    ("", "Geben Sie dem Token einen Namen und wählen Sie, wann es abläuft."),
])
def test_a_token_name_is_refused_in_german(catalog: MakeCatalog, patient: Patient,
                                           name: str, german: str) -> None:
    catalog("de", GERMAN)
    response = german_client(patient).post(reverse("api_token_create"),
                                           {"name": name, "expires": "never"})
    assert response.status_code == 400
    assert german in response.content.decode()
    assert not ApiToken.objects.exists()


def test_the_token_limit_and_a_revoked_token_are_said_in_german(
        catalog: MakeCatalog, patient: Patient) -> None:
    catalog("de", GERMAN)
    rows = [ApiToken.issue(patient.user, f"script {n}")[0] for n in range(MAX_NEW_TOKENS_PER_HOUR)]
    client = german_client(patient)
    response = client.post(reverse("api_token_create"), {"name": "one more", "expires": "never"})
    assert response.status_code == 429
    assert f"Höchstens {MAX_NEW_TOKENS_PER_HOUR} neue Tokens pro Stunde." in \
        response.content.decode()
    page = client.post(reverse("api_token_revoke", args=[rows[0].pk]),
                       follow=True).content.decode()
    assert "Das Token „script 0“ ist widerrufen." in page
