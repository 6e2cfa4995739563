"""Each page renders for its owner, and nobody else's data is reachable."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client

from pulserx.accounts.models import AccountType, CareLink, CareLinkStatus, Patient, User
from pulserx.reminders.models import DoseStatus
from tests import factories as make
from tests.support import https_client

NOW = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)  # 10:00 in London


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def signed_in(user: User) -> Client:
    client = https_client()
    client.force_login(user)
    return client


def test_today_shows_the_days_doses_in_the_patients_clock(patient: Patient):
    medication = make.medication(patient, times=("08:00", "20:00"))
    dose = make.dose(medication, datetime(2025, 6, 2, 7, 0, tzinfo=UTC))

    page = signed_in(patient.user).get("/").content.decode()

    assert "Monday, 2 June" in page and "Europe/London" in page
    assert f'data-dose-id="{dose.pk}"' in page
    assert ">08:00</time>" in page  # the materialised dose, 07:00 UTC
    assert ">20:00</time>" in page  # planned, computed for display only
    assert f'action="/doses/{dose.pk}/take"' in page
    assert "Send a test reminder" in page and "Enable notifications" in page


def test_today_redirects_a_caregiver_to_their_home(caregiver: User):
    response = signed_in(caregiver).get("/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/care/"


def test_today_requires_sign_in(db: None):
    response = https_client().get("/")

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("url", ["/medications/", "/medications/new", "/inbox/"])
def test_patient_pages_render(patient: Patient, url: str):
    assert signed_in(patient.user).get(url).status_code == 200


def test_medication_pages_render_for_their_owner(patient: Patient):
    medication = make.medication(patient)
    client = signed_in(patient.user)

    for url in (f"/medications/{medication.pk}/edit", f"/medications/{medication.pk}/delete"):
        response = client.get(url)
        assert response.status_code == 200 and "Metformin" in response.content.decode()


def test_another_patient_gets_404_for_medications_and_doses(patient: Patient,
                                                           other_patient: Patient):
    medication = make.medication(patient)
    dose = make.dose(medication, NOW)
    intruder = signed_in(other_patient.user)

    for url in (f"/medications/{medication.pk}/edit", f"/medications/{medication.pk}/delete",
                f"/doses/{dose.pk}/row", f"/care/{patient.pk}/", f"/care/{patient.pk}/timeline"):
        assert intruder.get(url).status_code == 404, url
    for url in (f"/medications/{medication.pk}/pause", f"/medications/{medication.pk}/delete",
                f"/medications/{medication.pk}/edit", f"/doses/{dose.pk}/take",
                f"/doses/{dose.pk}/skip", f"/doses/{dose.pk}/snooze"):
        assert intruder.post(url, {"minutes": "10", "paused": "1"}).status_code == 404, url
    dose.refresh_from_db()
    medication.refresh_from_db()
    assert dose.status == DoseStatus.NOTIFIED and not medication.paused


def test_caregiver_sees_the_patients_day_read_only(patient: Patient, caregiver: User):
    medication = make.medication(patient)
    dose = make.dose(medication, datetime(2025, 6, 2, 7, 0, tzinfo=UTC))

    response = signed_in(caregiver).get(f"/care/{patient.pk}/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Metformin" in page and f'data-dose-id="{dose.pk}"' in page
    assert "/take" not in page and "/snooze" not in page
    assert signed_in(caregiver).get(f"/doses/{dose.pk}/row").status_code == 200
    assert signed_in(caregiver).post(f"/doses/{dose.pk}/take").status_code == 404


def test_care_view_is_404_without_an_accepted_link(patient: Patient, other_patient: Patient):
    link = CareLink.objects.create(patient=patient, caregiver=other_patient.user,
                                   invited_email=other_patient.user.email)
    visitor = signed_in(other_patient.user)

    for status in (CareLinkStatus.INVITED, CareLinkStatus.REVOKED):
        link.status = status
        link.save()
        assert visitor.get(f"/care/{patient.pk}/").status_code == 404
    assert signed_in(patient.user).get(f"/care/{patient.pk}/").status_code == 404


def test_caregiver_with_no_links_sees_no_patient(db: None):
    stranger = User.objects.create_user("nobody@example.org", "correct horse battery",
                                        account_type=AccountType.CAREGIVER)
    patient = Patient.objects.create(
        user=User.objects.create_user("pat@example.org", "correct horse battery"))

    assert signed_in(stranger).get(f"/care/{patient.pk}/").status_code == 404
    assert signed_in(stranger).get("/medications/").status_code == 404


def test_live_regions_render_as_fragments(patient: Patient, caregiver: User):
    make.medication(patient)

    mine = signed_in(patient.user).get("/today/timeline").content.decode()
    theirs = signed_in(caregiver).get(f"/care/{patient.pk}/timeline").content.decode()

    assert mine.startswith('<div id="timeline"') and theirs.startswith('<div id="timeline"')
    assert "<html" not in mine and "<html" not in theirs


def test_pages_have_no_inline_script_for_the_csp(patient: Patient, caregiver: User):
    """The CSP allows scripts from our origin only: no inline code, no on* handlers."""
    medication = make.medication(patient)
    make.dose(medication, NOW)
    pages = [signed_in(patient.user).get(url) for url in
             ("/", "/medications/", "/medications/new", f"/medications/{medication.pk}/edit",
              f"/medications/{medication.pk}/delete", "/inbox/")]
    pages.append(signed_in(caregiver).get(f"/care/{patient.pk}/"))

    for response in pages:
        html = response.content.decode()
        assert response.status_code == 200
        assert "Content-Security-Policy" in response.headers
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), response.request["PATH_INFO"]
        assert not re.search(r"\son[a-z]+\s*=", html), response.request["PATH_INFO"]
        assert "live.js" in html
