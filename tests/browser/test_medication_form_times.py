"""The medication form in Chromium saves only the times the patient chose: the time row
starts empty, Enter saves instead of adding a row, and plain times beside times tied to the
day are saved once the patient has seen the day's doses and said yes."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from pulserx.accounts.models import Patient
from pulserx.reminders.models import Schedule
from tests.browser.conftest import axe_violations, sign_in

pytestmark = pytest.mark.browser


def test_bedtime_alone_is_one_dose_and_enter_saves(page: Page, patient: Patient,
                                                   console_errors: list[str]) -> None:
    sign_in(page, patient.user.email)
    page.goto("/medications/new")
    expect(page.locator('[data-time-rows] input[name="time"]')).to_have_value("")
    page.get_by_label("Times tied to your day").fill("at bedtime")
    page.get_by_label("Name").fill("Zopiclone")
    page.get_by_label("Name").press("Enter")

    page.wait_for_url("**/medications/")
    assert [t["at"] for t in Schedule.objects.get().times] == ["22:30"]
    assert console_errors == []


def test_both_kinds_of_time_ask_before_saving(page: Page, patient: Patient,
                                              console_errors: list[str]) -> None:
    sign_in(page, patient.user.email)
    page.goto("/medications/new")
    page.get_by_label("Name").fill("Zopiclone")
    page.locator('[data-time-rows] input[name="time"]').fill("08:00")
    page.get_by_label("Times tied to your day").fill("at bedtime")
    page.get_by_role("button", name="Add medication").last.click()

    check = page.get_by_role("alert").filter(has_text="Check the day's doses")
    expect(check).to_contain_text("08:00, 1 (Times of day)")
    expect(check).to_contain_text("22:30, 1 (at bedtime)")
    assert not Schedule.objects.exists()
    assert axe_violations(page) == []

    # The patient meant bedtime only: they empty the 08:00 row and save again.
    page.locator('[data-time-rows] input[name="time"]').fill("")
    page.get_by_role("button", name="Add medication").last.click()
    page.wait_for_url("**/medications/")
    assert [t["at"] for t in Schedule.objects.get().times] == ["22:30"]
    assert console_errors == []


def test_a_yes_saves_every_dose_listed(page: Page, patient: Patient) -> None:
    sign_in(page, patient.user.email)
    page.goto("/medications/new")
    page.get_by_label("Name").fill("Metformin")
    page.locator('[data-time-rows] input[name="time"]').fill("08:00")
    page.get_by_label("Times tied to your day").fill("at bedtime")
    page.get_by_role("button", name="Add medication").last.click()
    page.get_by_role("button", name="Yes, remind me at these 2 times").click()
    page.wait_for_url("**/medications/")
    assert [t["at"] for t in Schedule.objects.get().times] == ["08:00", "22:30"]


def test_the_date_fields_show_where_the_keyboard_is(page: Page, patient: Patient) -> None:
    sign_in(page, patient.user.email)
    page.goto("/medications/new")
    starting = page.get_by_label("Starting")
    starting.focus()
    style = starting.evaluate("(input) => getComputedStyle(input).outlineStyle")
    width = starting.evaluate("(input) => getComputedStyle(input).outlineWidth")
    assert (style, width) == ("solid", "3px")
