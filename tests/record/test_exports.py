"""The report PDF and the dose CSV, read back with references nobody here wrote
(pypdf, the csv module)."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client
from pypdf import PdfReader

from pulserx.accounts.models import Patient, User
from pulserx.reminders.models import Dose, DoseStatus, Medication, Schedule
from tests.record.seeds import NOW, ZONE, plant, seeds

pytestmark = pytest.mark.django_db


def get(client: Client, url: str) -> bytes:
    with time_machine.travel(NOW, tick=False):
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return b"".join(response.streaming_content) if response.streaming else response.content


def pdf_text(content: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(content))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def test_the_30_day_pdf_has_the_page_figures_on_at_most_two_pages(
        client: Client, patient: Patient) -> None:
    medications = plant(patient, seeds())
    for medication in medications.values():
        Schedule.objects.create(patient=patient, medication=medication,
                                start_date=datetime(2026, 8, 22).date(),
                                times=[{"at": "08:00", "amount": "1"}])
    Medication.objects.filter(pk=medications["Metformin"].pk).update(
        instructions="with food", strength="500 mg")
    client.force_login(patient.user)
    page = get(client, "/history/report").decode()
    figures = dict(re.findall(r'data-medication="(\d+)">([^<]+)<', page))
    overall = re.search(r'data-figure="overall"><strong>(\d+%)</strong>', page)
    assert overall and len(figures) == 2

    pages, text = pdf_text(get(client, "/history/report.pdf"))
    assert pages <= 2
    assert f"Adherence {overall.group(1)}" in text
    for name, medication in medications.items():
        row = next(line for line in text.splitlines() if line.startswith(name))
        assert figures[str(medication.pk)] in row, (name, row)
    assert "with food" in text and "08:00 (1 tablet)" in text
    assert "Thu 12 Nov 20:00  Metformin: missed" in text


def test_a_year_of_doses_still_fits_in_two_pages(client: Client, patient: Patient) -> None:
    plant(patient, seeds())
    client.force_login(patient.user)
    pages, text = pdf_text(get(client, "/history/report.pdf?start=2025-11-21&end=2026-11-20"))
    assert pages <= 2 and "see the CSV export" in text


def test_a_caregiver_gets_the_same_report_and_csv(patient: Patient, caregiver: User,
                                                  client: Client) -> None:
    plant(patient, seeds())
    client.force_login(caregiver)
    _, text = pdf_text(get(client, f"/care/{patient.pk}/history/report.pdf"))
    assert "Medication report: alex" in text
    rows = list(csv.reader(io.StringIO(get(client, f"/care/{patient.pk}/history/doses.csv")
                                       .decode())))
    assert len(rows) > 30


def test_the_csv_lists_every_dose_and_guards_against_formulas(client: Client,
                                                              patient: Patient) -> None:
    hostile = ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tTab", "Plain"]
    due = datetime(2026, 11, 19, 8, 0, tzinfo=UTC)
    for n, name in enumerate(hostile):
        medication = Medication.objects.create(patient=patient, name=name)
        Dose.objects.create(patient=patient, medication=medication,
                            due_at=due.replace(minute=n), status=DoseStatus.TAKEN,
                            acted_at=due.replace(minute=n, hour=10))
    Dose.objects.create(patient=patient, due_at=due, status=DoseStatus.MISSED)  # test reminder
    client.force_login(patient.user)
    content = get(client, "/history/doses.csv").decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(content)))
    assert [row["medication"] for row in rows] == [
        "'=HYPERLINK(\"http://x\")", "'+1+1", "'-2+3", "'@SUM(A1)", "'\tTab", "Plain"]
    first = rows[0]
    assert first["due_utc"] == "2026-11-19T08:00:00+00:00"
    assert first["due_local"] == due.astimezone(ZONE).isoformat()
    assert first["zone"] == "Europe/London" and first["status"] == "taken"
    assert first["recorded_at_utc"] == "2026-11-19T10:00:00+00:00" and first["late"] == "yes"
    assert all(not value.startswith(("=", "+", "-", "@", "\t"))
               for row in rows for value in row.values() if value)


@pytest.mark.parametrize("query", ["start=2026-11-20&end=2026-11-01",
                                   "start=2024-01-01&end=2026-11-20", "start=yesterday"])
def test_bad_ranges_are_refused_with_a_reason(client: Client, patient: Patient,
                                              query: str) -> None:
    client.force_login(patient.user)
    for url in ("/history/report", "/history/report.pdf", "/history/doses.csv"):
        with time_machine.travel(NOW, tick=False):
            response = client.get(f"{url}?{query}")
        assert response.status_code == 400
        assert b"role=\"alert\"" in response.content


def test_the_report_page_prints_on_a4(client: Client, patient: Patient) -> None:
    plant(patient, seeds())
    client.force_login(patient.user)
    page = get(client, "/history/report").decode()
    assert "record.css" in page and 'aria-labelledby="heatmap-title heatmap-desc"' in page
