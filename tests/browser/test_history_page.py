"""History in a real Chromium: the charts carry a text alternative, a day opens its doses,
axe-core finds nothing to fix, and screenshots are kept for people to look at."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser

from pulserx.accounts.models import Patient
from pulserx.reminders.models import Dose
from tests.browser.conftest import WebServer, axe_violations, screenshot, sign_in
from tests.record.seeds import NOW, plant, seeds


def seed_up_to_now(patient: Patient) -> None:
    """The seeded record, moved so that its last day is today."""
    plant(patient, seeds())
    shift = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0) - NOW
    for dose in Dose.objects.filter(patient=patient):
        dose.due_at += shift
        dose.acted_at = dose.acted_at + shift if dose.acted_at else None
        dose.save(update_fields=["due_at", "acted_at"])


@pytest.mark.browser
@pytest.mark.parametrize("viewport", [
    pytest.param({"width": 1280, "height": 900}, id="desktop"),
    pytest.param({"width": 390, "height": 844}, id="phone"),
])
def test_history_page_charts_day_details_and_axe(browser: Browser, web_server: WebServer,
                                                 patient: Patient,
                                                 viewport: dict[str, int]) -> None:
    seed_up_to_now(patient)
    context = browser.new_context(base_url=web_server.url, viewport=viewport)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, patient.user.email)
    menu = page.get_by_role("button", name="Menu")
    if menu.is_visible():  # a phone: the links are behind the menu button
        menu.click()
    page.get_by_role("link", name="History").click()
    page.wait_for_url("**/history/")

    bars = page.get_by_role("img", name="Share of doses taken per medication over 7, 30 and "
                                        "90 days")
    assert "Metformin: 7 days" in (bars.locator("desc").text_content() or "")
    heatmap = page.locator("svg.heatmap")
    assert heatmap.locator("title").first.text_content().startswith("Doses taken per day")
    assert heatmap.locator("a").count() == 90

    screenshot(page, "history-desktop" if viewport["width"] > 600 else "history-phone")
    violations = axe_violations(page)
    assert violations == [], "\n".join(violations)

    yesterday = (timezone.localdate() - timedelta(days=1))
    label = f"{yesterday:%a} {yesterday.day} {yesterday:%b}"
    page.locator(f'svg.heatmap a[aria-label^="{label}:"]').click()
    page.wait_for_url(f"**/history/?day={yesterday.isoformat()}#day")
    day = page.locator("#day")
    assert day.get_by_role("heading").inner_text().startswith(f"{yesterday:%A}")
    assert day.locator("li").count() >= 1
    assert axe_violations(page) == []
    assert errors == []
    context.close()
