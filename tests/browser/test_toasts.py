"""Toasts tell the truth: one per dose, replaced by its re-alert, updated or closed when the
dose changes in another tab, at most three, clear of the navigation and of most of a phone's
page. Real web server, real worker, real Chromium; axe-core checks Today with a toast open."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Locator, Page, expect

from pulserx.accounts.models import Patient
from pulserx.reminders.models import Dose, DoseStatus, Medication
from tests.browser.conftest import (
    HOME_ZONE,
    WebServer,
    axe_violations,
    screenshot,
    sign_in,
    wait_live,
)

pytestmark = pytest.mark.browser


def medication_for(patient: Patient, name: str = "Metformin") -> Medication:
    return Medication.objects.create(patient=patient, name=name, strength="500 mg",
                                     stock=Decimal(10))


def dose_due_in(medication: Medication, seconds: float) -> Dose:
    due_at = timezone.now() + timedelta(seconds=seconds)
    return Dose.objects.create(patient=medication.patient, medication=medication,
                               due_at=due_at, next_action_at=due_at, amount=Decimal(1))


def toasts(page: Page) -> Locator:
    return page.locator("#toasts .toast")


def toast_for(page: Page, dose: Dose) -> Locator:
    return page.locator(f"#toasts .toast[data-toast-dose='{dose.pk}']")


def look_again_now(dose: Dose) -> None:
    """Bring the dose's next check forward, as if its re-alert or deadline had come."""
    Dose.objects.filter(pk=dose.pk).update(next_action_at=timezone.now())


def test_a_re_alert_replaces_its_toast_and_taking_it_in_another_tab_closes_it(
        page: Page, patient: Patient, start_worker: Callable[..., object],
        console_errors: list[str]):
    Patient.objects.filter(pk=patient.pk).update(realert_every_minutes=1, realert_limit=3)
    start_worker()
    medication = medication_for(patient)
    sign_in(page, patient.user.email)
    wait_live(page)
    dose = dose_due_in(medication, 1)
    expect(toast_for(page, dose)).to_contain_text("Time for Metformin", timeout=10_000)

    look_again_now(dose)
    expect(toast_for(page, dose)).to_contain_text("Reminder: Metformin", timeout=10_000)
    expect(toasts(page)).to_have_count(1)

    other_tab = page.context.new_page()
    other_tab.goto("/")
    other_tab.locator(f"#dose-{dose.pk}").get_by_role("button", name="Take").click()
    expect(other_tab.locator(f"#dose-{dose.pk}")).to_contain_text("Taken")

    toast = toast_for(page, dose)
    expect(toast).to_contain_text("Marked as taken.")
    expect(toast.get_by_role("button", name="Take")).to_have_count(0)
    expect(toast.get_by_role("button", name="10 min")).to_have_count(0)
    expect(toast).to_have_count(0, timeout=10_000)  # then it closes
    assert console_errors == []


def test_a_toast_for_a_dose_missed_meanwhile_no_longer_offers_snooze(
        page: Page, patient: Patient, start_worker: Callable[..., object]):
    start_worker()
    medication = medication_for(patient)
    sign_in(page, patient.user.email)
    wait_live(page)
    dose = dose_due_in(medication, 1)
    toast = toast_for(page, dose)
    expect(toast.get_by_role("button", name="10 min")).to_be_visible(timeout=10_000)

    Dose.objects.filter(pk=dose.pk).update(reminded_at=timezone.now() - timedelta(hours=2))
    look_again_now(dose)
    expect(toast).to_contain_text("Missed. You can still record it.", timeout=10_000)
    expect(toast.get_by_role("button", name="10 min")).to_have_count(0)
    expect(page.locator("#adherence")).to_contain_text("0%")  # the miss counts, live
    toast.get_by_role("button", name="Take").click()
    expect(toast).to_contain_text("Marked as taken.")
    expect(page.locator("#adherence")).to_contain_text("100%")  # and so does the late Take
    dose.refresh_from_db()
    assert dose.status == DoseStatus.TAKEN


@pytest.mark.parametrize("width, height", [(1280, 720), (390, 844)])
def test_at_most_three_toasts_clear_of_the_navigation_and_of_most_of_the_page(
        browser: Browser, web_server: WebServer, patient: Patient,
        start_worker: Callable[..., object], width: int, height: int):
    start_worker()
    context = browser.new_context(base_url=web_server.url, timezone_id=HOME_ZONE,
                                  viewport={"width": width, "height": height})
    page = context.new_page()
    names = ["Metformin", "Lisinopril", "Atorvastatin", "Levothyroxine"]
    medications = [medication_for(patient, name) for name in names]
    sign_in(page, patient.user.email)
    wait_live(page)
    doses = [dose_due_in(medication, 1) for medication in medications]
    for dose in doses:
        expect(page.locator(f"#dose-{dose.pk}")).to_contain_text("Due", timeout=15_000)
    expect(toasts(page)).to_have_count(3)

    header = page.locator(".site-header").bounding_box()
    region = page.locator("#toasts").bounding_box()
    assert header is not None and region is not None
    if width >= 1000:
        assert region["y"] >= header["y"] + header["height"], (region, header)
    else:
        assert region["height"] <= height / 2, region
    kind = "desktop" if width >= 1000 else "phone"
    screenshot(page, f"today-{kind}-{width}-toasts")
    assert axe_violations(page) == []
    context.close()


def test_today_with_a_due_dose_and_its_toast_has_no_axe_violations(
        browser: Browser, web_server: WebServer, patient: Patient,
        start_worker: Callable[..., object]):
    start_worker()
    for width, height, kind in ((1280, 800, "desktop"), (390, 844, "phone")):
        context = browser.new_context(base_url=web_server.url, timezone_id=HOME_ZONE,
                                      viewport={"width": width, "height": height})
        page = context.new_page()
        sign_in(page, patient.user.email)
        wait_live(page)
        dose = dose_due_in(medication_for(patient, f"Metformin {kind}"), 1)
        expect(toast_for(page, dose).get_by_role("button", name="Take")).to_be_visible(
            timeout=10_000)
        expect(page.locator(f"#dose-{dose.pk}")).to_contain_text("Due")
        screenshot(page, f"today-{kind}-{width}-toast")
        assert axe_violations(page) == []
        context.close()


def test_the_keyboard_stays_on_a_toast_it_acts_on_and_escape_closes_one(
        browser: Browser, web_server: WebServer, patient: Patient,
        start_worker: Callable[..., object]):
    start_worker()
    context = browser.new_context(base_url=web_server.url, timezone_id=HOME_ZONE,
                                  viewport={"width": 1280, "height": 800})
    page = context.new_page()
    sign_in(page, patient.user.email)
    wait_live(page)
    first = dose_due_in(medication_for(patient, "Metformin"), 1)
    second = dose_due_in(medication_for(patient, "Lisinopril"), 1)
    take = toast_for(page, first).get_by_role("button", name="Take")
    expect(take).to_be_visible(timeout=10_000)
    expect(toast_for(page, second).get_by_role("button", name="Take")).to_be_visible(
        timeout=10_000)

    take.focus()
    page.keyboard.press("Enter")
    expect(toast_for(page, first).locator(".toast-result")).to_be_focused()
    expect(toast_for(page, first)).to_contain_text("Marked as taken.")

    skip = toast_for(page, second).get_by_role("button", name="Skip")
    skip.focus()
    page.keyboard.press("Escape")
    expect(toast_for(page, second)).to_have_count(0)
    assert page.evaluate("() => document.activeElement !== document.body")
    context.close()


def test_a_giver_s_toast_offers_given_and_skip_and_records_as_the_giver(
        page: Page, patient: Patient, start_worker: Callable[..., object],
        console_errors: list[str]):
    from pulserx.accounts.models import CareRole
    from tests.care.conftest import carer

    ana = carer(patient, "Ana", CareRole.GIVES)
    start_worker()
    medication = medication_for(patient)
    sign_in(page, ana.email)
    wait_live(page)
    dose = dose_due_in(medication, 1)
    toast = toast_for(page, dose)
    expect(toast).to_contain_text("Metformin", timeout=10_000)
    expect(toast.get_by_role("button", name="Snooze")).to_have_count(0)  # snoozing is theirs
    expect(toast.get_by_role("button", name="10 min")).to_have_count(0)
    toast.get_by_role("button", name="Given").click()
    expect(toast).to_have_count(0, timeout=10_000)
    dose.refresh_from_db()
    assert dose.status == DoseStatus.TAKEN and dose.acted_by_id == ana.pk
    assert console_errors == []
