"""In Chromium: a Take pressed by mistake is corrected, and an upcoming dose is taken early;
the caregiver's open "Pat's day" follows both without a reload."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from pulserx.accounts.models import Patient, User
from pulserx.reminders.models import Dose, DoseCorrection, DoseStatus, Medication, Schedule
from pulserx.reminders.planning import replan
from tests.browser.conftest import WebServer, axe_violations, sign_in, wait_live

pytestmark = pytest.mark.browser


def zone_at_noon(now: datetime) -> str:
    """A whole-hour zone where it is 12-something now, so a dose an hour ahead and one half
    an hour ago fall on today's page whatever the hour the suite runs ("Etc/GMT-5" is UTC+5)."""
    ahead = 12 - now.astimezone(UTC).hour  # -11 … +12
    return "Etc/GMT" if ahead == 0 else f"Etc/GMT{'-' if ahead > 0 else '+'}{abs(ahead)}"


def signed_in_page(browser: Browser, server: WebServer, email: str, zone: str) -> Page:
    context = browser.new_context(base_url=server.url, timezone_id=zone,
                                  viewport={"width": 1280, "height": 900})
    page = context.new_page()
    sign_in(page, email)
    return page


def test_correct_a_take_and_take_an_upcoming_dose_early(
        browser: Browser, web_server: WebServer, patient: Patient, caregiver: User,
        console_errors: list[str]) -> None:
    now = timezone.now()
    zone_name = zone_at_noon(now)
    Patient.objects.filter(pk=patient.pk).update(timezone=zone_name)
    patient.refresh_from_db()
    local = now.astimezone(ZoneInfo(zone_name))
    medication = Medication.objects.create(patient=patient, name="Lamotrigine",
                                           strength="100 mg", stock=Decimal(10))
    due = local - timedelta(minutes=30)
    later = (local + timedelta(hours=1)).replace(second=0, microsecond=0)
    schedule = Schedule.objects.create(
        patient=patient, medication=medication, start_date=local.date(),
        times=[{"at": f"{later:%H:%M}", "amount": "1"}])
    replan(schedule)
    dose = Dose.objects.create(
        patient=patient, medication=medication, schedule=schedule, due_at=due,
        local_day=local.date(), wall_time=due.time().replace(second=0, microsecond=0,
                                                           tzinfo=None),
        status=DoseStatus.NOTIFIED, reminded_at=due, alerts_sent=1, amount=Decimal(1),
        next_action_at=now + timedelta(hours=1))

    carer = signed_in_page(browser, web_server, caregiver.email, zone_name)
    carer.goto(f"/care/{patient.pk}/")
    wait_live(carer)
    carer_row = carer.locator(f"#dose-{dose.pk}")
    expect(carer_row).to_contain_text("Due")

    pat = signed_in_page(browser, web_server, patient.user.email, zone_name)
    wait_live(pat)
    row = pat.locator(f"#dose-{dose.pk}")
    row.get_by_role("button", name="Take").click()
    expect(row).to_contain_text("Taken")
    expect(carer_row).to_contain_text("Taken")

    row.get_by_text("Correct this").click()
    row.get_by_label("Not taken yet").check()
    row.get_by_role("button", name="Save correction").click()
    expect(row).to_contain_text("Corrected: not recorded.")
    expect(row).to_contain_text("Due")
    expect(carer_row).to_contain_text("Due")
    expect(carer_row).to_contain_text("Corrected by alex")
    correction = DoseCorrection.objects.get(dose=dose)
    assert (correction.from_status, correction.by) == (DoseStatus.TAKEN, patient.user)

    pat.get_by_role("button", name="Take early").click()
    expect(pat.get_by_text("Taken early: Lamotrigine")).to_be_visible()
    early = Dose.objects.get(schedule=schedule, local_day=local.date(),
                             wall_time=later.time().replace(tzinfo=None))
    assert (early.status, early.next_action_at) == (DoseStatus.TAKEN, None)
    expect(carer.locator(f"#dose-{early.pk}")).to_contain_text("Taken")
    assert axe_violations(pat) == []
    assert axe_violations(carer) == []
    assert console_errors == []


def test_what_an_action_said_outlives_the_live_refresh_it_causes(
        browser: Browser, web_server: WebServer, patient: Patient,
        console_errors: list[str]) -> None:
    """The Take answer's words ("Taken …") stay when the row re-renders a moment later for
    the live event the same Take caused (here sent again by hand, after the answer, which is
    the order that used to drop them)."""
    from pulserx import live

    now = timezone.now()
    medication = Medication.objects.create(patient=patient, name="Lamotrigine",
                                           strength="100 mg", stock=Decimal(10))
    dose = Dose.objects.create(patient=patient, medication=medication, due_at=now,
                               status=DoseStatus.NOTIFIED, reminded_at=now, alerts_sent=1,
                               amount=Decimal(1), next_action_at=now + timedelta(hours=1))
    page = signed_in_page(browser, web_server, patient.user.email, "Europe/London")
    wait_live(page)
    row = page.locator(f"#dose-{dose.pk}")
    row.get_by_role("button", name="Take").click()
    said = row.locator(".dose-notice")
    expect(said).to_be_visible()
    words = said.inner_text()
    row.evaluate("element => element.setAttribute('data-before-refresh', '')")

    live.publish(live.dose_events([live.DoseChange(
        dose_id=dose.pk, patient_id=patient.pk, patient_user_id=patient.user_id,
        status="taken", is_test=False)], {}))

    refreshed = page.locator(f"#dose-{dose.pk}:not([data-before-refresh])")
    refreshed.wait_for(state="attached")
    expect(refreshed.locator(".dose-notice")).to_have_text(words)
    expect(refreshed).to_contain_text("Taken")
