"""In a real Chromium: a visitor picks a language on the sign-in page; an Arabic reader's
Today is laid out right to left, loads the scripts' catalog under the page's
Content-Security-Policy, and stays free of axe-core violations."""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import Page, expect

from pulserx.accounts.models import Patient
from tests.browser.conftest import axe_violations, screenshot, sign_in

pytestmark = pytest.mark.browser


def test_a_visitor_chooses_german_on_the_sign_in_page(page: Page,
                                                      console_errors: list[str]) -> None:
    page.goto("/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_label("Language").select_option("de")
    page.get_by_role("button", name="Change language").click()
    page.wait_for_url("**/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "de")
    with translation.override("de"):  # the page is German now: so is the field's label
        expect(page.get_by_label(gettext("Language"))).to_have_value("de")
    assert console_errors == []


def test_an_arabic_readers_today_reads_right_to_left(page: Page, patient: Patient,
                                                     console_errors: list[str]) -> None:
    patient.user.language = "ar"
    patient.user.save(update_fields=["language"])
    sign_in(page, patient.user.email)
    html = page.locator("html")
    expect(html).to_have_attribute("dir", "rtl")
    expect(html).to_have_attribute("lang", "ar")
    # The catalog's globals are there before the module scripts run.
    assert page.evaluate("() => [typeof gettext, typeof ngettext, typeof interpolate]") \
        == ["function", "function", "function"]
    page.set_viewport_size({"width": 1200, "height": 800})
    # Toasts sit at the inline end: the left in Arabic.
    sides = page.evaluate("() => { const s = getComputedStyle(document.getElementById('toasts'));"
                          " return [s.left, s.right]; }")
    assert sides[0] != "auto" and sides[1] == "auto", sides
    screenshot(page, "today-arabic-rtl")
    assert axe_violations(page) == []
    assert console_errors == []
