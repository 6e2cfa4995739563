"""Settings in a real Chromium: who saw my data, and deleting the account then taking the
deletion back by signing in; axe-core finds nothing to fix on either page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from pulserx.accounts.access_log import record_read
from pulserx.accounts.models import AccessKind, Patient, User
from tests.browser.conftest import PASSWORD, WebServer, axe_violations, sign_in


@pytest.mark.browser
def test_who_saw_my_data_then_delete_and_cancel_by_signing_in(
        browser: Browser, web_server: WebServer, patient: Patient, caregiver: User) -> None:
    record_read(caregiver, patient, AccessKind.HISTORY)
    context = browser.new_context(base_url=web_server.url)
    page = context.new_page()
    sign_in(page, patient.user.email)

    page.goto("/accounts/settings/")
    page.get_by_role("link", name="Who saw my data").click()
    assert "Carol viewed your history" in page.locator("main").inner_text()
    assert axe_violations(page) == []

    page.goto("/accounts/settings/")
    page.get_by_role("link", name="Delete my account").click()
    assert axe_violations(page) == []
    page.get_by_label("Your password").fill("not my password")
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_text("That is not your password.")).to_be_visible()  # waits for the answer
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Delete my account").click()
    page.get_by_role("heading", name="Your account will be deleted").wait_for()
    assert axe_violations(page) == []

    page.get_by_role("link", name="Sign in to cancel").click()
    page.get_by_label("Email").fill(patient.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_text("signing in cancelled the deletion of your account").wait_for()
    patient.user.refresh_from_db()
    assert patient.user.delete_after is None
    context.close()
