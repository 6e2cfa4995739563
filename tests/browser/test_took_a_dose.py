"""An as-needed dose recorded from Today in Chromium: within the limit it is recorded at
once; beyond it the page says why and when, and "Record it anyway" records it flagged."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from pulserx.accounts.models import Patient
from pulserx.reminders.models import Dose, DoseStatus, Medication, Schedule
from pulserx.reminders.schedule import Recurrence
from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def test_took_a_dose_and_confirming_one_beyond_the_gap(page: Page, patient: Patient,
                                                       console_errors: list[str]) -> None:
    medication = Medication.objects.create(patient=patient, name="Ibuprofen",
                                           strength="200 mg", stock=Decimal(10))
    Schedule.objects.create(patient=patient, medication=medication, start_date=date(2026, 1, 1),
                            recurrence=Recurrence.AS_NEEDED, min_gap_minutes=240)
    sign_in(page, patient.user.email)
    card = page.locator(f"#as-needed-{medication.pk}")
    expect(card).to_contain_text("at least 4 h apart")

    card.get_by_role("button", name="Took a dose").click()
    expect(page.get_by_role("status").or_(page.locator(".flash-success"))).to_contain_text(
        "Recorded a dose of Ibuprofen")
    assert Dose.objects.filter(medication=medication, status=DoseStatus.TAKEN).count() == 1
    # An hour later (doses are recorded to the second; a second one in the same second is a
    # double submission and refused).
    Dose.objects.filter(medication=medication).update(due_at=timezone.now() - timedelta(hours=1))

    page.locator(f"#as-needed-{medication.pk}").get_by_role("button",
                                                             name="Took a dose").click()
    expect(page.get_by_role("alert")).to_contain_text("Leave at least 4 hours between doses")
    expect(page.get_by_role("alert")).to_contain_text("The next dose is allowed from")
    assert Dose.objects.filter(medication=medication).count() == 1

    page.get_by_role("button", name="Record it anyway").click()
    expect(page.locator(f"#as-needed-{medication.pk}")).to_contain_text("2 in the last 24 h")
    flagged = Dose.objects.get(medication=medication, limit_override=True)
    assert flagged.acted_at is not None
    assert flagged.acted_at > timezone.now() - timedelta(minutes=5)
    medication.refresh_from_db()
    assert medication.stock == Decimal(8)
    # The confirmation page answers 409 Conflict on purpose, which Chromium logs.
    assert [e for e in console_errors if "409 (Conflict)" not in e] == []
