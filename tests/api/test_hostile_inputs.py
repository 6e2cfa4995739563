"""Inputs an outside probe found answering 500: each is now a clear 4xx and writes nothing.

pytest-django runs with DEBUG off (as in production), so a 500 here is what users would get.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import icalendar
import pytest
import time_machine
from django.conf import settings as django_settings
from django.test import Client

from pulserx.accounts.models import Patient
from pulserx.reminders.models import Medication, Schedule
from tests.api.conftest import API
from tests.factories import medication

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
BIG = 2**63


def test_the_suite_runs_with_debug_off() -> None:
    assert django_settings.DEBUG is False


def create(api: Client, name: str = "Metformin", **schedule: Any) -> Any:
    body = {"name": name, "schedule": {"times": [{"at": "08:00"}], **schedule}}
    return api.post(f"{API}/medications", body, content_type="application/json")


@pytest.mark.parametrize(("schedule", "field"), [
    ({"start_date": "0001-01-01"}, "start_date"),
    ({"start_date": "9999-12-31"}, "start_date"),
    ({"start_date": "2027-03-01", "end_date": "9999-12-31"}, "end_date"),
    ({"recurrence": "interval", "every_days": 10**9}, "every_days"),
    ({"recurrence": "interval", "every_days": BIG}, "every_days"),
    ({"recurrence": "cycle", "days_on": 1, "days_off": 10**9}, "days_off"),
    ({"recurrence": "cycle", "days_on": BIG, "days_off": 1}, "days_on"),
])
@time_machine.travel(NOW, tick=False)
def test_out_of_range_schedules_are_422s_naming_the_field(api, patient, schedule, field):
    response = create(api, **schedule)

    assert response.status_code == 422, response.content
    assert response.json()["detail"][0]["loc"][:4] == ["body", "payload", "schedule", field]
    assert not Medication.objects.exists() and not Schedule.objects.exists()


@pytest.mark.parametrize("name", ["Met\x00formin", "Met\x1bformin", "\x7f"])
def test_control_characters_in_a_name_are_422s(api, patient, name):
    response = create(api, name=name)

    assert response.status_code == 422, response.content
    assert response.json()["detail"][0]["loc"][:3] == ["body", "payload", "name"]
    assert not Medication.objects.exists()


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
@time_machine.travel(NOW, tick=False)
def test_the_form_refuses_dates_out_of_range(client, patient, day):
    client.force_login(patient.user)

    response = client.post("/medications/new", {
        "name": "Metformin", "form": "tablet", "recurrence": "interval", "every_days": "2",
        "time": ["08:00"], "amount": ["1"], "start_date": day}, secure=True)

    assert response.status_code == 200
    assert "Choose a day between 2000-01-01 and 2199-12-31." in response.content.decode()
    assert not Medication.objects.exists()


@pytest.mark.parametrize("every", ["1000000000", str(BIG)])
@time_machine.travel(NOW, tick=False)
def test_the_form_refuses_huge_intervals(client, patient, every):
    client.force_login(patient.user)

    response = client.post("/medications/new", {
        "name": "Metformin", "form": "tablet", "recurrence": "interval", "every_days": every,
        "time": ["08:00"], "amount": ["1"], "start_date": "2027-03-01"}, secure=True)

    assert response.status_code == 200
    assert "At most 365 days." in response.content.decode()
    assert not Medication.objects.exists()


@pytest.mark.parametrize("ids", [[BIG], [BIG * 4], [0], [-1]])
def test_notification_ids_out_of_range_are_422s(api, patient, ids):
    response = api.post(f"{API}/notifications/read", {"ids": ids},
                        content_type="application/json")

    assert response.status_code == 422, response.content


@pytest.mark.parametrize("zone", ["localtime", "Factory", "posixrules"])
def test_zones_that_name_no_place_are_refused(client, patient: Patient, zone):
    client.force_login(patient.user)

    response = client.post("/accounts/timezone/", {"timezone": zone}, secure=True)

    assert response.status_code == 400, response.content
    patient.refresh_from_db()
    assert patient.current_timezone == ""


def test_the_settings_form_does_not_offer_zones_that_name_no_place(client, patient):
    client.force_login(patient.user)

    page = client.get("/accounts/settings/", secure=True).content.decode()

    assert 'value="Europe/London"' in page
    assert 'value="localtime"' not in page and 'value="Factory"' not in page


@time_machine.travel(NOW, tick=False)
def test_control_characters_never_reach_the_calendar_feed(client, patient):
    med = medication(patient, "08:00", start=date(2027, 3, 1))
    # Stored before the API refused them (or through the admin): the feed must still parse.
    # (NUL is left out: PostgreSQL cannot store it at all.)
    Medication.objects.filter(pk=med.pk).update(name="Met\x1bfor\x7fmin",
                                                instructions="with\x07 food\x0b")

    response = client.get(f"/calendar/{patient.calendar_token}.ics", secure=True)

    assert response.status_code == 200
    body = response.content.decode()
    assert not any(char in body for char in "\x1b\x7f\x07\x0b")
    calendar = icalendar.Calendar.from_ical(body)
    events = calendar.walk("VEVENT")
    assert events and str(events[0]["SUMMARY"]).endswith("Metformin 500 mg")
    assert str(events[0]["DESCRIPTION"]) == "with food"


FHIR_IMPORT = f"{API}/fhir/MedicationRequest"
DEEP = '{"resourceType": "MedicationRequest", "note": ' + "[" * 100_000 + "]" * 100_000 + "}"


@pytest.mark.parametrize(("document", "element"), [
    (DEEP, "nested"),
    ('{"resourceType": "Bundle", "entry": 5}', "Bundle.entry"),
    ('{"resourceType": "Bundle", "entry": {"resource": {}}}', "Bundle.entry"),
    ('{"resourceType": "Bundle", "entry": [7]}', "Bundle.entry"),
    ('{"resourceType": "Bundle", "entry": [{"fullUrl": ["a"], "resource": '
     '{"resourceType": "MedicationRequest"}}]}', "Bundle.entry.fullUrl"),
    ('{"resourceType": "MedicationRequest", "medicationReference": "Medication/1"}',
     "medicationReference"),
    ('{"resourceType": "MedicationRequest", "medicationReference": ""}', "medicationReference"),
    ('{"resourceType": "MedicationRequest", "medicationReference": ["#med"]}',
     "medicationReference"),
    ('{"resourceType": "MedicationRequest", "medicationReference": {"reference": ["#m"]}}',
     "medicationReference"),
    ('{"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "MedicationRequest",'
     ' "medicationReference": {"reference": {"a": 1}}}}]}', "medicationReference"),
    ('{"resourceType": "MedicationRequest", "dosageInstruction": [{"doseAndRate": '
     '[{"doseQuantity": {"value": NaN}}]}]}', "JSON"),
    ('[1, 2]', "JSON object"),
    ("x" * (600 * 1024), "larger"),
])
def test_hostile_fhir_documents_are_422s_naming_what_is_wrong(api, patient, document, element):
    response = api.post(FHIR_IMPORT, document, content_type="application/fhir+json")

    assert response.status_code == 422, response.content[:300]
    assert element in response.json()["detail"]
    assert not Medication.objects.exists()


def test_a_hostile_fhir_document_on_the_import_page_is_refused(client, patient):
    client.force_login(patient.user)

    response = client.post("/medications/import", {"document": DEEP}, secure=True)

    assert response.status_code == 422
    assert not Medication.objects.exists()


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_in_an_amount_is_refused_without_a_server_error(api, patient, literal):
    body = ('{"name": "Metformin", "schedule": {"times": [{"at": "08:00", "amount": '
            + literal + "}]}}")
    response = api.post(f"{API}/medications", body, content_type="application/json")

    assert response.status_code in (400, 422), response.content[:300]
    assert "detail" in response.json()
    assert not Medication.objects.exists()


@pytest.mark.parametrize("field", ["stock", "refill_threshold"])
def test_a_non_finite_quantity_is_refused_by_its_field(field):
    from pulserx.api.schemas import MedicationPatch

    with pytest.raises(ValueError, match="finite"):
        MedicationPatch.model_validate({field: float("nan")})


@pytest.mark.parametrize("body", ["[]", '[{"name": "x"}]'])
def test_a_json_array_is_not_a_body(api, patient, body):
    med = medication(patient, "08:00")

    patched = api.patch(f"{API}/medications/{med.pk}", body, content_type="application/json")
    refill = api.post(f"{API}/medications/{med.pk}/refill", body,
                      content_type="application/json")

    assert patched.status_code == 400 and refill.status_code == 400


def fhir_request(name: str, instructions: str = "") -> dict[str, Any]:
    dosage: dict[str, Any] = {"timing": {"repeat": {"frequency": 1, "period": 1,
                                                      "periodUnit": "d",
                                                      "timeOfDay": ["08:00:00"]}}}
    if instructions:
        dosage["patientInstruction"] = instructions
    return {"resourceType": "MedicationRequest", "status": "active", "intent": "order",
            "medicationCodeableConcept": {"text": name}, "dosageInstruction": [dosage]}


@pytest.mark.parametrize("name", ["Met\x00formin", "Met\x1bformin", "\x7f"])
@time_machine.travel(NOW, tick=False)
def test_the_fhir_import_refuses_control_characters_in_a_name(api, patient, name):
    import json

    response = api.post(FHIR_IMPORT, json.dumps(fhir_request(name)),
                        content_type="application/fhir+json")

    assert response.status_code == 422, response.content[:300]
    assert "name" in response.json()["detail"]
    assert not Medication.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_line_breaks_in_fhir_text_become_spaces(api, patient):
    import json

    response = api.post(FHIR_IMPORT, json.dumps(fhir_request("Met\nformin", "with\tfood\r\n")),
                        content_type="application/fhir+json")

    assert response.status_code == 201, response.content[:300]
    assert Medication.objects.get().name == "Met formin"


@pytest.mark.parametrize("name", ["My\x00script", "My\x1bscript", "\x7f"])
def test_the_token_form_refuses_control_characters_in_a_name(client, patient, name):
    from pulserx.api.models import ApiToken

    client.force_login(patient.user)
    response = client.post("/accounts/tokens/", {"name": name, "expires": "never"},
                           secure=True)

    assert response.status_code == 400, response.status_code
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("name", ["Met\x1bformin", "\x7f"])
def test_the_medication_form_refuses_control_characters_in_a_name(client, patient, name):
    client.force_login(patient.user)

    response = client.post("/medications/new", {
        "name": name, "form": "tablet", "recurrence": "daily", "time": ["08:00"],
        "amount": ["1"], "start_date": "2027-03-01"}, secure=True)

    assert response.status_code == 200
    assert "control characters" in response.content.decode()
    assert not Medication.objects.exists()
