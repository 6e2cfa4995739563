"""In a real Chromium: an Arabic reader and a German reader, signed in, read Today and History
(with a seeded record) in their own language and direction, free of axe-core violations;
screenshots are kept under var/screenshots/ (today-ar, history-ar, today-de, history-de, and
the same at phone width) for people to review."""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation.trans_real import DjangoTranslation
from playwright.sync_api import Page, expect

from pulserx.accounts.models import Patient
from tests.browser.conftest import axe_violations, screenshot, sign_in, wait_live
from tests.browser.test_history_page import seed_up_to_now
from tests.factories import make_patient

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def reader(language: str) -> Patient:
    patient = make_patient(f"reader-{language}@example.org")
    patient.user.language = language
    patient.user.save(update_fields=["language"])
    seed_up_to_now(patient)
    return patient


def words(language: str, msgid: str) -> str:
    with translation.override(language):
        return gettext(msgid)


def script_words(language: str, msgid: str) -> str:
    """`msgid` as the scripts' catalog (djangojs) words it in `language`."""
    return DjangoTranslation(language, domain="djangojs").gettext(msgid)


@pytest.mark.parametrize("language", ["ar", "de"])
def test_today_and_history_read_in_the_readers_language(page: Page, language: str,
                                                        console_errors: list[str]) -> None:
    patient = reader(language)
    sign_in(page, patient.user.email)
    page.set_viewport_size(DESKTOP)
    html = page.locator("html")
    direction = "rtl" if language == "ar" else "ltr"
    for name, path, heading in [("today", "/", "Today"), ("history", "/history/", "History")]:
        page.goto(path)
        expect(html).to_have_attribute("lang", language)
        expect(html).to_have_attribute("dir", direction)
        expect(page.get_by_role("heading", level=1)).to_contain_text(words(language, heading))
        assert words(language, heading) != heading
        # The scripts speak the reader's language too, although the sign-in page before
        # loaded the catalog in English (a browser caches scripts by address).
        wait_live(page)
        if name == "today":
            expect(page.locator("[data-live-status]").first).to_have_text(
                script_words(language, "Live"))
        connecting = script_words(language, "Connecting…")
        assert connecting != "Connecting…"
        assert page.evaluate("() => gettext('Connecting…')") == connecting
        screenshot(page, f"{name}-{language}")
        violations = axe_violations(page)
        assert violations == [], "\n".join(violations)
        page.set_viewport_size(PHONE)
        screenshot(page, f"{name}-{language}-phone")
        # Nothing wider than the phone's screen: long words wrap instead of overflowing.
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{name} overflows the phone's width by {overflow}px"
        page.set_viewport_size(DESKTOP)
    assert console_errors == []
