"""As-needed doses in every view of the record: the report page and its PDF (read back with
pypdf) and History list each one with its time and amount, and mark the one recorded beyond
a limit; two doses 15 minutes apart are two lines."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from pypdf import PdfReader

from pulserx.accounts.models import Patient, User
from pulserx.reminders.as_needed import LimitExceeded, record_as_needed
from pulserx.reminders.models import Medication, MedicationForm, Schedule
from pulserx.reminders.schedule import Recurrence

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # 12:00 in London


def as_needed(patient: Patient, name: str, strength: str, form: str = MedicationForm.TABLET,
              **limits: int) -> Schedule:
    medication = Medication.objects.create(patient=patient, name=name, strength=strength,
                                           form=form, stock=Decimal(20))
    return Schedule.objects.create(patient=patient, medication=medication,
                                   start_date=date(2026, 1, 1),
                                   recurrence=Recurrence.AS_NEEDED, dose_amount=Decimal(2),
                                   **limits)


@pytest.fixture
def two_ibuprofen_and_a_paracetamol(patient: Patient) -> None:
    ibuprofen = as_needed(patient, "Ibuprofen", "200 mg", min_gap_minutes=240)
    paracetamol = as_needed(patient, "Paracetamol", "500 mg")
    user: User = patient.user
    first = NOW - timedelta(days=2, hours=3)  # Wed 18 Nov 09:00
    record_as_needed(ibuprofen, user, first, now=NOW)
    with pytest.raises(LimitExceeded):
        record_as_needed(ibuprofen, user, first + timedelta(minutes=15), now=NOW)
    record_as_needed(ibuprofen, user, first + timedelta(minutes=15), override=True, now=NOW)
    record_as_needed(paracetamol, user, NOW - timedelta(hours=2), amount=Decimal(1), now=NOW)


def get(client: Client, url: str) -> bytes:
    with time_machine.travel(NOW, tick=False):
        response = client.get(url)
    assert response.status_code == 200
    return response.content


@pytest.mark.usefixtures("two_ibuprofen_and_a_paracetamol")
def test_the_report_page_lists_as_needed_doses_and_marks_the_one_beyond_its_limit(
        client: Client, patient: Patient) -> None:
    client.force_login(patient.user)
    page = get(client, "/history/report").decode()
    assert "2 taken as needed, 1 beyond a limit" in page
    assert "1 taken as needed" in page
    section = page.split('id="as-needed-heading"')[1].split("</section>")[0]
    lines = section.split("<li")[1:]
    assert len(lines) == 3
    assert "Wed 18 Nov 09:00" in lines[0] and "Ibuprofen 200 mg: 2 tablets" in lines[0]
    assert "Beyond a limit" not in lines[0]
    assert "Wed 18 Nov 09:15" in lines[1] and "Beyond a limit" in lines[1]
    assert "Leave at least 4 hours between doses" in lines[1]
    assert "Fri 20 Nov 10:00" in lines[2] and "Paracetamol 500 mg: 1 tablet" in lines[2]


@pytest.mark.usefixtures("two_ibuprofen_and_a_paracetamol")
def test_the_report_pdf_lists_them_too(client: Client, patient: Patient) -> None:
    client.force_login(patient.user)
    reader = PdfReader(io.BytesIO(get(client, "/history/report.pdf")))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "As-needed doses" in text
    assert "Wed 18 Nov 09:00  Ibuprofen 200 mg: 2 tablets\n" in text
    assert "Wed 18 Nov 09:15  Ibuprofen 200 mg: 2 tablets - BEYOND A LIMIT: Leave at least" \
        in text
    assert "Fri 20 Nov 10:00  Paracetamol 500 mg: 1 tablet" in text
    assert "2 taken as needed, 1 beyond a limit" in text


@pytest.mark.usefixtures("two_ibuprofen_and_a_paracetamol")
def test_history_lists_every_as_needed_record(client: Client, patient: Patient,
                                              caregiver: User) -> None:
    for user in (patient.user, caregiver):
        client.force_login(user)
        url = "/history/" if user == patient.user else f"/care/{patient.pk}/history/"
        page = get(client, url).decode()
        section = page.split('id="as-needed-heading"')[1].split("</section>")[0]
        assert section.count("<li") == 3
        assert section.count("Beyond a limit") == 1
        assert "Wed 18 Nov 09:00" in section and "Wed 18 Nov 09:15" in section


def test_a_months_calendar_keeps_its_own_size(client: Client, patient: Patient) -> None:
    client.force_login(patient.user)
    page = get(client, "/history/report").decode()
    assert '<svg class="heatmap heatmap-natural"' in page
    history = get(client, "/history/").decode()
    assert '<svg class="heatmap heatmap-quarter"' in history
