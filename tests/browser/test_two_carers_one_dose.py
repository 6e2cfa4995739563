"""Two carers of one person press Given for the same dose within the same 50 ms, each in
their own Chromium: exactly one record, and the other page shows who gave it."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from pulserx.accounts.models import CareRole, Patient
from pulserx.reminders.models import Dose, DoseStatus
from tests import factories as make
from tests.browser.conftest import HOME_ZONE, WebServer, sign_in, wait_live
from tests.care.conftest import carer

pytestmark = pytest.mark.browser


def carer_page(browser: Browser, server: WebServer, email: str, patient: Patient) -> Page:
    context = browser.new_context(base_url=server.url, timezone_id=HOME_ZONE,
                                  viewport={"width": 390, "height": 844})
    page = context.new_page()
    sign_in(page, email)
    page.goto(f"/care/{patient.pk}/")
    wait_live(page)
    return page


def press_take_at(page: Page, dose_id: int, at_ms: float) -> None:
    """Press the dose's Take button when the machine's clock reaches `at_ms` (both pages
    read the same clock, so two presses land within a few milliseconds)."""
    page.evaluate("""([id, at]) => setTimeout(() => document.querySelector(
        `#dose-${id} form[action$="/take"] button`).click(), Math.max(0, at - Date.now()))""",
                  [dose_id, at_ms])


def test_two_carers_pressing_given_at_once_make_one_record(
        browser: Browser, web_server: WebServer, patient: Patient,
        start_worker: Callable[..., object]):
    start_worker()
    ana = carer(patient, "Ana", CareRole.GIVES)
    ben = carer(patient, "Ben", CareRole.GIVES)
    medication = make.medication(patient, stock=10)
    dose = make.dose(medication, timezone.now() - timedelta(minutes=1), DoseStatus.NOTIFIED)

    pages = [carer_page(browser, web_server, user.email, patient) for user in (ana, ben)]
    at = time.time() * 1000 + 1500
    for page in pages:
        press_take_at(page, dose.pk, at)

    rows = [page.locator(f"#dose-{dose.pk}") for page in pages]
    for row in rows:
        expect(row.get_by_role("button", name="Take")).to_have_count(0, timeout=5_000)
    dose.refresh_from_db()
    assert Dose.objects.filter(pk=dose.pk, status=DoseStatus.TAKEN).count() == 1
    winner, loser = (0, 1) if dose.acted_by == ana else (1, 0)
    name = dose.acted_by.first_name
    started = time.monotonic()
    expect(rows[loser]).to_contain_text(f"Already given by {name} at ", timeout=2_000)
    assert time.monotonic() - started < 2
    expect(rows[winner]).to_contain_text(f"Given by {name} at ")
    medication.refresh_from_db()
    assert medication.stock == 9
