"""The record in /api/v1: the same figures as the pages, for the patient and a caregiver."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.test import Client
from pypdf import PdfReader

from pulserx.accounts.models import Patient, User
from pulserx.api.models import ApiToken
from pulserx.reminders.history import history
from pulserx.reminders.models import StockEvent
from tests.api.conftest import API, token_client
from tests.factories import medication
from tests.record.seeds import NOW, plant, seeds
from tests.support import https_client

pytestmark = pytest.mark.django_db


def get_json(client: Client, url: str, status: int = 200) -> dict:
    with time_machine.travel(NOW, tick=False):
        response = client.get(url)
    assert response.status_code == status, response.content[:300]
    return json.loads(response.content)


def caregiver_api(caregiver: User) -> Client:
    _, token = ApiToken.issue(caregiver, "tests")
    return https_client(headers={"Authorization": f"Bearer {token}"})


def test_history_matches_the_service_for_patient_and_caregiver(
        api: Client, patient: Patient, caregiver: User) -> None:
    plant(patient, seeds())
    body = get_json(api, f"{API}/history")
    record = history(patient, NOW, 90)
    assert len(body["days"]) == 90
    assert body["streaks"] == {"current": record.streaks.current,
                               "longest": record.streaks.longest}
    nov_12 = next(d for d in body["days"] if d["date"] == "2026-11-12")
    assert (nov_12["taken"], nov_12["missed"], nov_12["fully_taken"]) == (2, 1, False)
    assert body["punctuality"]["late"] == record.punctuality.late
    windows = {(m["name"], w["days"]): w["percent"] for m in body["medications"]
               for w in m["windows"]}
    for row in record.medications:
        for days, tally in row.adherence.windows.items():
            assert windows[(row.medication.name, days)] == tally.percent
    as_carer = get_json(caregiver_api(caregiver), f"{API}/history?patient={patient.pk}")
    assert as_carer == body
    assert get_json(caregiver_api(caregiver), f"{API}/streaks?patient={patient.pk}") == \
        body["streaks"]


def test_someone_else_s_history_is_not_found(other_api: Client, patient: Patient) -> None:
    get_json(other_api, f"{API}/history?patient={patient.pk}", status=404)


def test_bad_ranges_and_windows_are_400_with_a_reason(api: Client, patient: Patient) -> None:
    assert "90 or 365" in get_json(api, f"{API}/history?days=30", status=400)["detail"]
    too_long = get_json(api, f"{API}/report.pdf?start=2024-01-01&end=2026-01-01", status=400)
    assert "366" in too_long["detail"]
    reversed_range = get_json(api, f"{API}/doses.csv?start=2026-11-20&end=2026-11-01",
                              status=400)
    assert "before" in reversed_range["detail"]


def test_report_pdf_and_csv_from_the_api(api: Client, patient: Patient,
                                         caregiver: User) -> None:
    plant(patient, seeds())
    with time_machine.travel(NOW, tick=False):
        pdf = api.get(f"{API}/report.pdf?start=2026-10-22&end=2026-11-20")
        rows = api.get(f"{API}/doses.csv?start=2026-11-12&end=2026-11-12")
        carer = caregiver_api(caregiver).get(f"{API}/doses.csv?patient={patient.pk}")
    assert pdf["Content-Type"] == "application/pdf"
    assert len(PdfReader(io.BytesIO(pdf.content)).pages) <= 2
    table = list(csv.DictReader(io.StringIO(rows.content.decode("utf-8-sig"))))
    assert [r["status"] for r in table] == ["taken", "taken", "missed"]
    assert carer.status_code == 200 and carer["Content-Type"].startswith("text/csv")


def test_forecast_and_refill(patient: Patient) -> None:
    with time_machine.travel(datetime(2026, 12, 14, 6, 0, tzinfo=UTC), tick=False):
        med = medication(patient, "08:00", "20:00", start=date(2026, 12, 14), stock="10",
                         refill_threshold=None)
        med.pack_size = 28
        med.save()
        client = token_client(patient)
        body = json.loads(client.get(f"{API}/medications/{med.pk}/forecast").content)
        assert body["runs_out_at"] == "2026-12-19T08:00:00Z"
        assert body["summary"] == "runs out on Sat 19 Dec"
        assert body["days_left"] == 5 and body["remind_at"] == "2026-12-12T08:00:00Z"
        refilled = client.post(f"{API}/medications/{med.pk}/refill", "{}",
                               content_type="application/json")
        assert refilled.status_code == 200
        assert json.loads(refilled.content)["stock_after"] == 38
        odd = client.post(f"{API}/medications/{med.pk}/refill", '{"amount": -3}',
                          content_type="application/json")
        assert odd.status_code == 422
        events = json.loads(client.get(f"{API}/medications/{med.pk}/stock-events").content)
    assert [e["kind"] for e in events] == ["refilled", "corrected"]
    assert StockEvent.objects.filter(medication=med).count() == 2
