"""In Chromium: Settings → Download all my data saves one ZIP whose manifest checks out and
whose record holds the patient's medication and dose; the same file brought back through
"Bring back data" restores them; the card passes axe."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from pulserx.accounts.models import Patient
from pulserx.exports.archive_format import CSV, FHIR, MANIFEST, PDF, RECORD
from pulserx.exports.archive_in import unpack
from pulserx.reminders.actions import record_dose
from pulserx.reminders.models import Dose, DoseStatus, Medication
from tests.browser.conftest import axe_violations, sign_in
from tests.factories import dose as make_dose
from tests.factories import medication

pytestmark = pytest.mark.browser


def test_download_all_my_data_then_bring_it_back(page: Page, patient: Patient,
                                                 tmp_path: Path,
                                                 console_errors: list[str]) -> None:
    med = medication(patient, "08:00", name="Metformin")
    taken = make_dose(med, timezone.now() - timedelta(hours=3))
    record_dose(taken.pk, DoseStatus.TAKEN, patient.user)
    sign_in(page, patient.user.email)

    page.goto("/accounts/settings/")
    with page.expect_download() as waiting:
        page.get_by_role("link", name="Download all my data").click()
    download = waiting.value
    assert download.suggested_filename.startswith("pulserx-data-")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    content = saved.read_bytes()
    with zipfile.ZipFile(io.BytesIO(content)) as opened:
        assert set(opened.namelist()) == {MANIFEST, RECORD, FHIR, CSV, PDF}
    record = unpack(content)
    assert [m["name"] for m in record["medications"]] == ["Metformin"]
    assert [d["status"] for d in record["doses"]] == ["taken"]

    Medication.objects.filter(patient=patient).delete()
    page.goto("/accounts/settings/")
    assert axe_violations(page) == []
    page.get_by_label("The ZIP that “Download all my data” saved").set_input_files(saved)
    page.get_by_role("button", name="Bring back data").click()
    expect(page.locator(".flash-success")).to_contain_text("Imported 1 medication and 1 dose")
    assert Dose.objects.get(patient=patient, status=DoseStatus.TAKEN).medication is not None
    # The Settings page logged one CSP report for an inline style before this card was
    # added to it; anything else would be this card's.
    assert [error for error in console_errors if "Applying inline style" not in error] == []
