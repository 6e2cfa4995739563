"""Tokens have a scope: a read token reads (GET) and nothing else, on every operation that
changes something; a read-write token does what the patient may. Only a patient makes
tokens, on the Settings page and through the API alike."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client

from pulserx.accounts.models import Patient, User
from pulserx.api.models import ApiToken, TokenScope
from tests.api.conftest import API, session_client
from tests.factories import dose, medication
from tests.support import https_client

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def client_with(patient: Patient, scope: TokenScope) -> Client:
    _, token = ApiToken.issue(patient.user, "script", scope=scope)
    return https_client(headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def reader(patient: Patient) -> Client:
    return client_with(patient, TokenScope.READ)


@time_machine.travel(NOW, tick=False)
def test_a_read_token_reads(reader: Client, patient: Patient) -> None:
    medication(patient, "08:00")

    for path in ("/me", "/medications", "/doses", "/tokens", "/fhir/Bundle"):
        assert reader.get(f"{API}{path}").status_code == 200, path


@time_machine.travel(NOW, tick=False)
def test_a_read_token_changes_nothing(reader: Client, patient: Patient) -> None:
    med = medication(patient, "08:00")
    due = dose(med, NOW)
    other_token, _ = ApiToken.issue(patient.user, "other")
    attempts = [
        ("post", f"/doses/{due.pk}/take", {}),
        ("post", f"/doses/{due.pk}/skip", {}),
        ("post", "/medications", {"name": "Aspirin", "schedule": {"times": [{"at": "09:00"}]}}),
        ("patch", f"/medications/{med.pk}", {"name": "Renamed"}),
        ("delete", f"/medications/{med.pk}", None),
        ("post", "/calendar/rotate", None),
        ("post", "/fhir/MedicationRequest", {"resourceType": "MedicationRequest"}),
        ("delete", f"/tokens/{other_token.pk}", None),
    ]
    calendar = patient.calendar_token
    for method, path, body in attempts:
        response = getattr(reader, method)(f"{API}{path}", body,
                                           content_type="application/json")
        assert response.status_code == 403, (path, response.content)
        assert "may only read" in response.json()["detail"]

    due.refresh_from_db()
    med.refresh_from_db()
    patient.refresh_from_db()
    assert due.status == "notified" and med.name == "Metformin"
    assert patient.calendar_token == calendar
    assert ApiToken.objects.filter(pk=other_token.pk).exists()


@time_machine.travel(NOW, tick=False)
def test_a_read_write_token_records_a_dose(patient: Patient) -> None:
    due = dose(medication(patient, "08:00"), NOW)

    response = client_with(patient, TokenScope.READ_WRITE).post(f"{API}/doses/{due.pk}/take")

    assert response.status_code == 200, response.content


def test_a_new_api_token_is_read_only_unless_asked(patient: Patient) -> None:
    client = session_client(patient)

    plain = client.post(f"{API}/tokens", {"name": "report"}, content_type="application/json")
    writer = client.post(f"{API}/tokens", {"name": "app", "scope": "read-write"},
                         content_type="application/json")

    assert plain.json()["scope"] == "read" and writer.json()["scope"] == "read-write"
    assert [row["scope"] for row in client.get(f"{API}/tokens").json()] == [
        "read-write", "read"]


def test_the_settings_page_makes_read_tokens_unless_asked(patient: Patient) -> None:
    client = https_client()
    client.force_login(patient.user)

    client.post("/accounts/tokens/", {"name": "report", "expires": "30"})
    client.post("/accounts/tokens/", {"name": "app", "expires": "30", "scope": "read-write"})
    refused = client.post("/accounts/tokens/", {"name": "x", "expires": "30", "scope": "all"})

    assert dict(ApiToken.objects.values_list("name", "scope")) == {
        "report": "read", "app": "read-write"}
    assert refused.status_code == 400


def test_caregivers_make_no_tokens_on_the_page_or_through_the_api(caregiver: User) -> None:
    client = https_client()
    client.force_login(caregiver)

    page = client.post("/accounts/tokens/", {"name": "x", "expires": "30"})
    api = client.post(f"{API}/tokens", {"name": "x"}, content_type="application/json")

    assert page.status_code == 404
    assert api.status_code == 403
    assert not ApiToken.objects.exists()
