"""A caregiver's open "Pat's day" follows the patient's doses live: due, taken, and the
adherence figures with them. Real web server, real worker, two real Chromium contexts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from pulserx.accounts.models import Patient, User
from pulserx.reminders.models import Dose, Medication
from tests.browser.conftest import HOME_ZONE, WebServer, axe_violations, sign_in, wait_live

pytestmark = pytest.mark.browser


def signed_in_page(browser: Browser, server: WebServer, email: str) -> Page:
    context = browser.new_context(base_url=server.url, timezone_id=HOME_ZONE,
                                  viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, email)
    return page


def test_the_caregivers_day_shows_the_dose_due_then_taken_without_reload(
        browser: Browser, web_server: WebServer, patient: Patient, caregiver: User,
        start_worker: Callable[..., object]):
    start_worker()
    medication = Medication.objects.create(patient=patient, name="Metformin",
                                           strength="500 mg", stock=Decimal(10))
    later = timezone.now() + timedelta(hours=1)  # upcoming however long signing in takes
    dose = Dose.objects.create(patient=patient, medication=medication, due_at=later,
                               next_action_at=later, amount=Decimal(1))

    carer = signed_in_page(browser, web_server, caregiver.email)
    carer.goto(f"/care/{patient.pk}/")
    wait_live(carer)
    row = carer.locator(f"#dose-{dose.pk}")
    expect(row).to_contain_text("Upcoming")
    expect(carer.locator("#adherence")).to_contain_text("Nothing due yet.")

    now = timezone.now()  # the dose falls due now: the worker reminds, the caregiver sees it
    Dose.objects.filter(pk=dose.pk).update(due_at=now, next_action_at=now)
    expect(row).to_contain_text("Due", timeout=30_000)

    pat = signed_in_page(browser, web_server, patient.user.email)
    pat.locator(f"#dose-{dose.pk}").get_by_role("button", name="Take").click()
    expect(pat.locator(f"#dose-{dose.pk}")).to_contain_text("Taken")

    expect(row).to_contain_text("Taken")
    expect(carer.locator("#adherence")).to_contain_text("100%")
    assert axe_violations(carer) == []
    carer.goto("/care/")
    assert axe_violations(carer) == []
