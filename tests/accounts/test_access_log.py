"""Who saw my data: a caregiver's and a token's reads reach the patient's log, once an hour,
without a medication's name, and nobody reads another patient's log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from pulserx.accounts.access_log import record_read
from pulserx.accounts.deletion import purge_expired
from pulserx.accounts.models import AccessKind, AccessRecord
from pulserx.api.models import ApiToken
from tests.factories import medication
from tests.support import https_client


def signed_in(user):
    client = https_client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_the_log_shows_a_caregivers_view_of_the_history(patient, caregiver):
    patient.user.first_name = "Alex"
    patient.user.save()
    caregiver.first_name, caregiver.last_name = "Ana", "Lopes"
    caregiver.save()
    medication(patient, "08:00", name="Sertraline")
    with time_machine.travel(datetime(2026, 12, 1, 8, 12, tzinfo=UTC), tick=False):
        carer = signed_in(caregiver)
        assert carer.get(reverse("care_history", args=[patient.pk])).status_code == 200
        assert carer.get(reverse("care_history", args=[patient.pk])).status_code == 200
        assert carer.get(reverse("care_patient_day", args=[patient.pk])).status_code == 200
    assert AccessRecord.objects.filter(subject=patient, kind=AccessKind.HISTORY).count() == 1

    page = signed_in(patient.user).get(reverse("access_log"))
    text = page.content.decode()
    # Europe/London in December is UTC: the patient reads the time on their own clock.
    assert "Ana Lopes viewed your history, <time" in text and "Tue 08:12" in text
    assert "Ana Lopes viewed your day" in text
    assert "Sertraline" not in text


@pytest.mark.django_db
def test_the_log_shows_a_tokens_read_once_an_hour(patient):
    _, token = ApiToken.issue(patient.user, "Home Assistant")
    script = https_client(headers={"Authorization": f"Bearer {token}"})
    start = datetime(2026, 12, 1, 9, 0, 30, tzinfo=UTC)
    for minutes in (0, 0, 2, 30, 59):
        with time_machine.travel(start + timedelta(minutes=minutes), tick=False):
            assert script.get("/api/v1/doses").status_code == 200
    assert AccessRecord.objects.filter(subject=patient, kind=AccessKind.API).count() == 1
    with time_machine.travel(start + timedelta(minutes=61), tick=False):
        script.get("/api/v1/doses")
    assert AccessRecord.objects.filter(subject=patient, kind=AccessKind.API).count() == 2

    text = signed_in(patient.user).get(reverse("access_log")).content.decode()
    assert "Your API token \u201cHome Assistant\u201d viewed your data (API)" in text


@pytest.mark.django_db
def test_a_patient_never_sees_another_patients_log(patient, caregiver, other_patient):
    signed_in(caregiver).get(reverse("care_history", args=[patient.pk]))
    assert AccessRecord.objects.filter(subject=patient).exists()
    theirs = signed_in(other_patient.user).get(reverse("access_log")).content.decode()
    assert "Carol" not in theirs and "Nobody but you has looked at your data." in theirs
    # The page takes no id: there is no other patient's log to ask for.
    assert signed_in(caregiver).get(reverse("access_log")).status_code == 404


@pytest.mark.django_db
def test_a_caregiver_without_a_link_leaves_no_record(patient, other_patient, caregiver):
    assert signed_in(caregiver).get(
        reverse("care_history", args=[other_patient.pk])).status_code == 404
    assert not AccessRecord.objects.filter(subject=other_patient).exists()


@pytest.mark.django_db
def test_records_past_their_retention_are_purged(patient, caregiver, settings):
    settings.PULSERX_ACCESS_LOG_DAYS = 30
    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    record_read(caregiver, patient, AccessKind.DAY, now=now - timedelta(days=31))
    record_read(caregiver, patient, AccessKind.DAY, now=now - timedelta(days=29))
    assert purge_expired(now).access_records == 1
    assert AccessRecord.objects.filter(subject=patient).count() == 1
