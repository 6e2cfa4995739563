"""Every page a patient, a carer and a visitor can open passes axe-core with no violation, on
a phone and a desktop, in English and in Arabic (right to left)."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import Browser

from pulserx.accounts import email_change
from pulserx.accounts.models import (
    CareLink,
    CareRole,
    Passkey,
    Patient,
    PendingEmailChange,
    User,
)
from tests import factories
from tests.browser.conftest import WebServer, axe_violations, sign_in
from tests.browser.test_history_page import seed_up_to_now

VISITOR = ["/accounts/login/", "/accounts/signup/", "/accounts/signup/sent/",
           "/accounts/password/reset/", "/accounts/password/reset/sent/",
           "/accounts/care/accept/{invitation}/", "/accounts/email/confirm/{email_change}/"]
PATIENT = ["/", "/medications/", "/medications/new", "/medications/{medication}/edit",
           "/medications/import", "/history/", "/history/report", "/inbox/",
           "/accounts/settings/", "/accounts/settings/email/", "/accounts/password/",
           "/accounts/access-log/",
           "/accounts/settings/passkeys/add/", "/accounts/settings/passkeys/{passkey}/remove/",
           "/settings/day", "/settings/channels/", "/settings/channels/new"]
CARER = ["/accounts/care/", "/care/{patient}/", "/care/{patient}/history/",
         "/care/{patient}/history/report", "/care/round/", "/settings/channels/"]
VIEWPORTS = [pytest.param({"width": 390, "height": 844}, "en", id="phone"),
             pytest.param({"width": 1280, "height": 900}, "en", id="desktop"),
             pytest.param({"width": 390, "height": 844}, "ar", id="phone-arabic")]


@pytest.mark.browser
@pytest.mark.parametrize(("viewport", "language"), VIEWPORTS)
def test_every_page_passes_axe(browser: Browser, web_server: WebServer, patient: Patient,
                               caregiver: User, viewport: dict[str, int],
                               language: str) -> None:
    seed_up_to_now(patient)
    medication = patient.medications.first() or factories.medication(patient)
    CareLink.objects.filter(caregiver=caregiver).update(role=CareRole.GIVES)
    invitation = CareLink.objects.create(patient=patient, invited_email="dana@example.org")
    passkey = Passkey.objects.create(user=patient.user, name="My phone", credential_id="AAAA",
                                     public_key=b"", user_handle=b"\0" * 32)
    change = PendingEmailChange.objects.create(user=patient.user, email="nova@example.org",
                                               requested_at=timezone.now())
    for user in (patient.user, caregiver):
        user.language = language
        user.save(update_fields=["language"])
    found: dict[str, list[str]] = {}
    visits = [(None, VISITOR), (patient.user, PATIENT), (caregiver, CARER)]
    for reader, paths in visits:
        # A visitor's browser asks for the language; a signed-in reader's own choice decides.
        asks = "ar" if language == "ar" and reader is None else "en-GB"
        context = browser.new_context(base_url=web_server.url, viewport=viewport, locale=asks)
        page = context.new_page()
        if reader is not None:
            sign_in(page, reader.email)
        for template in paths:
            path = template.format(medication=medication.pk, patient=patient.pk,
                                   invitation=invitation.token, passkey=passkey.pk,
                                   email_change=email_change.change_token(change))
            response = page.goto(path)
            assert response is not None and response.status == 200, path
            expected = "rtl" if language == "ar" else "ltr"
            assert page.locator("html").get_attribute("dir") == expected, path
            if violations := axe_violations(page):
                found[path] = violations
        context.close()
    assert found == {}, "\n".join(f"{path}: {v}" for path, vs in found.items() for v in vs)
