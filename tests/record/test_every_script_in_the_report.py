"""The report for the doctor writes every name as entered, in any script, and the CSV opens
as typed in a spreadsheet; each reader's times are in their clock format.

Names in Russian, Greek, Chinese, Japanese and Arabic are read back from the PDF with pypdf
exactly as entered (Arabic too: its font maps each shaped glyph to one letter, so the text
layer holds the letters as typed, not presentation forms). The optional fonts are embedded
only in a report whose text needs them.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client
from pypdf import PdfReader

from pulserx.accounts.models import ClockFormat, Patient
from pulserx.reminders.models import Dose, DoseStatus, Medication, Schedule

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
NAMES = {"Russian": "Метформин", "Greek": "Ασπιρίνη", "Chinese": "阿司匹林",
         "Japanese": "ロキソニン", "Arabic": "باراسيتامول"}


def with_medications(patient: Patient, *names: str) -> None:
    """Each medication daily at 20:00 (Europe/London), yesterday's dose missed."""
    for name in names:
        medication = Medication.objects.create(patient=patient, name=name)
        Schedule.objects.create(patient=patient, medication=medication,
                                start_date=(NOW - timedelta(days=5)).date(),
                                times=[{"at": "20:00", "amount": "1"}])
        Dose.objects.create(patient=patient, medication=medication,
                            due_at=datetime(2026, 11, 19, 20, 0, tzinfo=UTC),
                            status=DoseStatus.MISSED)


def report(client: Client, patient: Patient, url: str = "/history/report.pdf") -> bytes:
    client.force_login(patient.user)
    with time_machine.travel(NOW, tick=False):
        response = client.get(url)
    assert response.status_code == 200
    return response.content


def fonts_of(pdf: PdfReader) -> set[str]:
    """The embedded fonts' names, without the subset prefix ("NotoSans")."""
    return {str(font.get_object()["/BaseFont"]).split("+")[-1].lstrip("/")
            for page in pdf.pages for font in page["/Resources"]["/Font"].values()}


def test_pypdf_reads_every_name_back_as_entered(client: Client, patient: Patient) -> None:
    with_medications(patient, *NAMES.values())
    pdf = PdfReader(io.BytesIO(report(client, patient)))
    text = "\n".join(page.extract_text() for page in pdf.pages)
    lines = text.splitlines()
    for script, name in NAMES.items():
        # The table's row: the name's cell, then the schedule's.
        assert f"{name} 20:00 (1 tablet) · every day 0% 0 taken, 0 skipped, 1 missed, 0 late" \
            in lines, script
        missed = next(line for line in lines if line.startswith("Thu 19 Nov 20:00  ")
                      and name in line)
        # A colon between Arabic and Latin is a neutral character: the bidi algorithm lays
        # it out on the Arabic side, and pypdf reads the line as laid out.
        assert missed in (f"Thu 19 Nov 20:00  {name}: missed",
                          f"Thu 19 Nov 20:00  {name} :missed"), (script, missed)
    assert fonts_of(pdf) == {"NotoSans", "Almarai", "NotoSansSC"}


def test_a_latin_1_report_embeds_no_font(client: Client, patient: Patient) -> None:
    with_medications(patient, "Metformin", "Café crème")
    pdf = PdfReader(io.BytesIO(report(client, patient)))
    assert fonts_of(pdf) == {"Helvetica", "Helvetica-Bold"}
    assert "Café crème" in pdf.pages[0].extract_text()


def test_a_polish_report_needs_noto_sans_only(client: Client, patient: Patient) -> None:
    with_medications(patient, "Łódź Żółć")
    pdf = PdfReader(io.BytesIO(report(client, patient)))
    assert fonts_of(pdf) == {"NotoSans"}
    assert "Łódź Żółć" in pdf.pages[0].extract_text()


def test_a_cyrillic_and_arabic_report_leaves_out_the_cjk_font(client: Client,
                                                              patient: Patient) -> None:
    with_medications(patient, NAMES["Russian"], NAMES["Arabic"])
    pdf = PdfReader(io.BytesIO(report(client, patient)))
    assert fonts_of(pdf) == {"NotoSans", "Almarai"}


@pytest.mark.parametrize(("clock_format", "written"), [(ClockFormat.TWELVE_HOUR, "8:00 PM"),
                                                       (ClockFormat.TWENTY_FOUR_HOUR, "20:00")])
def test_the_report_writes_times_in_the_readers_format(
        client: Client, patient: Patient, clock_format: ClockFormat, written: str) -> None:
    patient.user.clock_format = clock_format
    patient.user.save()
    with_medications(patient, "Metformin")
    text = PdfReader(io.BytesIO(report(client, patient))).pages[0].extract_text()
    assert f"Thu 19 Nov {written}  Metformin: missed" in text
    assert f"{written} (1 tablet) · every day" in text or f"{written} (1) · every day" in text
    page = report(client, patient, "/history/report").decode()
    assert f"Thu 19 Nov {written}" in page


def test_the_csv_has_a_byte_order_mark_and_every_name_as_typed(client: Client,
                                                               patient: Patient) -> None:
    with_medications(patient, *NAMES.values())
    content = report(client, patient, "/history/doses.csv")
    assert content.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: spreadsheets read it as UTF-8
    text = content.decode("utf-8-sig")
    assert text.startswith("due_utc,due_local,")
    for name in NAMES.values():
        assert f",{name},missed," in text
    assert "2026-11-19T20:00:00+00:00" in text  # machine columns stay ISO 8601
