"""The API docs page works in a real browser under the site's Content-Security-Policy, and
its "Try it out" sends the session's CSRF token."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from pulserx.reminders.models import Dose
from tests.browser.conftest import axe_violations, sign_in


def try_it_out(page: Page, method: str, path: str) -> str:
    """Run an operation from the docs page; returns the status code it shows."""
    operation = page.locator(f'.opblock-{method}:has([data-path="/api/v1{path}"])')
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    result = operation.locator(".live-responses-table tbody .response")
    result.wait_for()
    return result.locator(".response-col_status").inner_text()


@pytest.mark.browser
def test_the_docs_page_runs_operations_with_the_session(page, console_errors, patient):
    sign_in(page, patient.user.email)

    page.goto("/api/v1/docs")

    page.get_by_text("PulseRx API").first.wait_for()
    assert try_it_out(page, "get", "/me") == "200"
    assert try_it_out(page, "post", "/test-reminder") == "201"  # an unsafe method: CSRF
    assert Dose.objects.filter(patient=patient, medication__isnull=True).count() == 1
    assert console_errors == []


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
def test_the_docs_page_has_no_axe_violations(page, patient, width):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, patient.user.email)
    page.goto("/api/v1/docs")
    page.get_by_text("PulseRx API").first.wait_for()
    page.locator("#api-operations-heading").wait_for(state="attached")
    assert axe_violations(page) == []
    assert try_it_out(page, "get", "/me") == "200"  # an operation open, with its response
    assert axe_violations(page) == []
