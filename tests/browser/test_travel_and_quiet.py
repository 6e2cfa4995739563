"""In Chromium: a browser in a new zone makes Today ask which clock to follow (and following
the local one plans no second dose of a slot already taken); a reminder inside quiet hours
shows silently (a toast, no system notification). axe-core checks the other pages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from pulserx.accounts.models import Patient
from pulserx.reminders.models import Dose, DoseStatus, Medication, Schedule
from pulserx.reminders.planning import replan
from pulserx.wall_time import time_text
from tests.browser.conftest import (
    HOME_ZONE,
    WebServer,
    axe_violations,
    screenshot,
    sign_in,
    wait_live,
)

pytestmark = pytest.mark.browser


def zones_with_the_same_date(now: datetime) -> tuple[str, str]:
    """A home zone and a zone behind it that are on the same local date now, so a wall
    time already past at home is still ahead where the patient is."""
    if 6 <= now.hour <= 21:
        return "Europe/Berlin", "America/New_York"
    return "Asia/Tokyo", "Asia/Kolkata"


def test_a_new_zone_asks_and_following_it_plans_no_second_dose_of_a_taken_slot(
        browser: Browser, web_server: WebServer, patient: Patient, console_errors: list[str]):
    now = timezone.now()
    home, away = zones_with_the_same_date(now)
    local = (now - timedelta(minutes=30)).astimezone(ZoneInfo(home))
    wall = time(local.hour, local.minute)
    Patient.objects.filter(pk=patient.pk).update(timezone=home, current_timezone=home,
                                                 reported_timezone=home)
    medication = Medication.objects.create(patient=patient, name="Metformin", stock=10)
    schedule = Schedule.objects.create(patient=patient, medication=medication,
                                       start_date=local.date() - timedelta(days=1),
                                       times=[{"at": wall.strftime("%H:%M"), "amount": "1"}])
    due_at = datetime.combine(local.date(), wall, ZoneInfo(home)).astimezone(UTC)
    taken = Dose.objects.create(patient=patient, schedule=schedule, medication=medication,
                                due_at=due_at, local_day=local.date(), wall_time=wall,
                                status=DoseStatus.TAKEN, amount=Decimal(1))
    replan(schedule)

    # An American English browser: times are written on the 12-hour clock ("It is 2:05 AM").
    context = browser.new_context(base_url=web_server.url, timezone_id=away, locale="en-US",
                                  viewport={"width": 1280, "height": 800})
    page = context.new_page()
    sign_in(page, patient.user.email)
    prompt = page.locator(".travel-prompt")
    expect(prompt).to_contain_text(f"You seem to be in {away.replace('_', ' ')}")
    hour = time_text(now.astimezone(ZoneInfo(away)), twelve_hour=True).split(":")[0]
    expect(prompt).to_contain_text(f"It is {hour}:")
    expect(page.locator(".dose-row")).to_have_count(1)  # nothing moved by itself
    screenshot(page, "today-desktop-1280-travel-prompt")
    assert axe_violations(page) == []
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "today-phone-390-travel-prompt")

    prompt.get_by_role("button", name="Follow the clock where I am").click()
    expect(page.locator(".flash")).to_contain_text("Reminders now follow the clock in")
    expect(page.locator(".travel-prompt")).to_have_count(0)
    rows = page.locator(".dose-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-dose-id", str(taken.pk))
    patient.refresh_from_db()
    assert (patient.travel_policy, patient.current_timezone) == ("local", away)
    assert console_errors == []
    context.close()


SPY_ON_NOTIFICATIONS = """
(() => {
  window.__shown = [];
  class SpyNotification {
    static permission = "granted";
    static requestPermission() { return Promise.resolve("granted"); }
    constructor(title, options) { window.__shown.push(title); }
    addEventListener() {}
    close() {}
  }
  window.Notification = SpyNotification;
  Object.defineProperty(document, "visibilityState", {get: () => "hidden"});
})();
"""


def test_in_quiet_hours_a_reminder_shows_silently_and_outside_them_it_notifies(
        page: Page, patient: Patient, start_worker: Callable[..., object]):
    """The page is 'in the background' (visibilityState hidden), where a reminder would
    raise the browser's system notification, with its sound."""
    local_now = timezone.now().astimezone(ZoneInfo(HOME_ZONE))
    start = (local_now - timedelta(hours=1)).time().replace(second=0, microsecond=0)
    end = (local_now + timedelta(hours=1)).time().replace(second=0, microsecond=0)
    Patient.objects.filter(pk=patient.pk).update(quiet_start=start, quiet_end=end)
    start_worker()
    medication = Medication.objects.create(patient=patient, name="Metformin", stock=10)
    page.add_init_script(SPY_ON_NOTIFICATIONS)
    sign_in(page, patient.user.email)
    wait_live(page)

    due_at = timezone.now() + timedelta(seconds=1)
    quiet = Dose.objects.create(patient=patient, medication=medication, due_at=due_at,
                                next_action_at=due_at, amount=Decimal(1))
    toast = page.locator(f"#toasts .toast[data-toast-dose='{quiet.pk}']")
    expect(toast).to_be_visible(timeout=10_000)
    expect(toast).to_have_class("toast toast-reminder toast-quiet")
    assert page.evaluate("() => window.__shown") == []

    Patient.objects.filter(pk=patient.pk).update(quiet_start=None, quiet_end=None)
    due_at = timezone.now() + timedelta(seconds=1)
    loud = Dose.objects.create(patient=patient, medication=medication, due_at=due_at,
                               next_action_at=due_at, amount=Decimal(1))
    expect(page.locator(f"#toasts .toast[data-toast-dose='{loud.pk}']")).to_be_visible(
        timeout=10_000)
    assert page.evaluate("() => window.__shown") == ["Time for Metformin"]


def test_medications_inbox_and_settings_have_no_axe_violations(
        page: Page, patient: Patient):
    medication = Medication.objects.create(patient=patient, name="Metformin", stock=10)
    Schedule.objects.create(patient=patient, medication=medication,
                            start_date=timezone.now().date(),
                            times=[{"at": "08:00", "amount": "1"}])
    sign_in(page, patient.user.email)
    for path in ("/medications/", f"/medications/{medication.pk}/edit", "/inbox/",
                 "/accounts/settings/"):
        page.goto(path)
        assert (path, axe_violations(page)) == (path, [])


def test_on_a_phone_the_menu_collapses_into_one_row_and_opens(page: Page, patient: Patient):
    sign_in(page, patient.user.email)
    header = page.locator(".site-header")
    toggle = page.get_by_role("button", name="Menu")
    expect(toggle).to_be_visible()
    expect(page.get_by_role("link", name="Settings")).to_be_hidden()
    closed = header.bounding_box()
    assert closed is not None and closed["height"] < 60, closed  # one row
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("link", name="Settings")).to_be_visible()
    assert axe_violations(page) == []
    page.set_viewport_size({"width": 1280, "height": 800})
    expect(toggle).to_be_hidden()
    expect(page.get_by_role("link", name="Medications")).to_be_visible()
