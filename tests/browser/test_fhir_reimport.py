"""In Chromium: a patient brings back their own FHIR export; the preview marks each
medication they already have, offers to save nothing new, and passes axe."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from pulserx.accounts.models import Patient
from pulserx.fhir.bundle_out import patient_bundle
from pulserx.fhir.importing import import_document
from pulserx.reminders.models import Medication
from tests.browser.conftest import axe_violations, sign_in
from tests.fhir.examples import IMPORTED

pytestmark = pytest.mark.browser


def test_reimporting_the_export_marks_what_the_patient_has(page: Page, patient: Patient,
                                                           console_errors: list[str]) -> None:
    import_document(patient, json.dumps(IMPORTED["bid"][0]))
    export = json.dumps(patient_bundle(patient, timezone.now()))
    sign_in(page, patient.user.email)

    page.goto("/medications/import")
    page.get_by_label("MedicationRequest JSON").fill(export)
    page.get_by_role("button", name="Preview").click()

    expect(page.locator("[data-already]")).to_contain_text("It is not imported again.")
    expect(page.locator("#import-nothing-new")).to_be_visible()
    expect(page.get_by_role("button", name="Save 0 medications")).to_have_count(0)
    assert axe_violations(page) == []
    page.get_by_role("button", name="Also add the 1 I already have").click()
    page.get_by_role("button", name="Save 1 medication").click()
    expect(page.locator(".flash-success")).to_contain_text("Imported 1 medication.")
    assert Medication.objects.filter(patient=patient).count() == 2
    assert console_errors == []
