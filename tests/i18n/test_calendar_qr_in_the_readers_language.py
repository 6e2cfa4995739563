"""Settings names the calendar address's QR code for assistive technology in the reader's
language, escaped as any attribute (a catalog made for the test, `catalog`)."""

from __future__ import annotations

import pytest

from pulserx.accounts.models import Patient
from tests.i18n.conftest import MakeCatalog
from tests.support import https_client

pytestmark = pytest.mark.django_db


def test_the_qr_code_is_named_in_german(catalog: MakeCatalog, patient: Patient) -> None:
    catalog("de", {"QR code of your calendar address": 'QR-Code der „Kalender"-Adresse'})
    patient.user.language = "de"
    patient.user.save(update_fields=["language"])
    client = https_client()
    client.force_login(patient.user)
    html = client.get("/accounts/settings/").content.decode()
    assert '<svg role="img" aria-label="QR-Code der „Kalender&quot;-Adresse"' in html
