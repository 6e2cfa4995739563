"""A carer adds a person they look after in a real Chromium, reaches the person's
medications from their day, and every page on the way passes axe."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from pulserx.accounts.models import AccountType, CareLink, CareRole, Patient, User
from tests.browser.conftest import PASSWORD, axe_violations, screenshot, sign_in

pytestmark = pytest.mark.browser


def test_a_carer_adds_a_person_and_manages_their_medications(page: Page,
                                                            console_errors: list[str]):
    mia = User.objects.create_user("mia@example.org", PASSWORD, first_name="Mia",
                                   email_verified=True, account_type=AccountType.CAREGIVER)
    sign_in(page, mia.email)
    page.goto("/accounts/care/")
    form = page.locator("#add-person")
    expect(form.get_by_role("heading", level=2)).to_have_text("Add a person you look after")
    assert axe_violations(page) == []
    assert console_errors == [], page.url

    form.get_by_label("Their name").fill("Dad")
    form.get_by_label("Their time zone").select_option("Europe/Lisbon")
    form.get_by_role("button", name="Add this person").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Dad\u2019s day")
    person = Patient.objects.get(user__first_name="Dad")
    assert person.timezone == "Europe/Lisbon" and not person.user.has_usable_password()
    assert CareLink.objects.get(patient=person).role == CareRole.MANAGES
    expect(page.locator("#own-login")).to_be_visible()
    assert axe_violations(page) == []
    assert console_errors == [], page.url

    page.get_by_role("link", name="Medications", exact=True).last.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dad\u2019s medications")
    assert axe_violations(page) == []
    assert console_errors == [], page.url
    screenshot(page, "person-medications-390")
    page.get_by_role("link", name="Add a medication").click()
    page.wait_for_url(f"**/care/{person.pk}/medications/new")
    assert console_errors == [], page.url
