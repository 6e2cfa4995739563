"""Settings → Your data: the patient downloads their ZIP and brings one back; a caregiver
and a stranger get nothing; an oversized request is refused before it is read."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client

from pulserx.accounts.models import Patient, User
from pulserx.exports.archive_format import CSV, FHIR, MANIFEST, PDF, RECORD
from pulserx.reminders.actions import record_dose
from pulserx.reminders.models import DoseStatus, Medication
from tests.exports.test_refusals import edited
from tests.factories import dose as make_dose
from tests.factories import make_patient, medication
from tests.support import https_client

NOW = datetime(2026, 6, 10, 9, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def signed_in(user: User) -> Client:
    client = https_client()
    client.force_login(user)
    return client


def downloaded(patient: Patient) -> bytes:
    med = medication(patient, "08:00", name="Metformin")
    taken = make_dose(med, NOW - timedelta(hours=2), local_day=NOW.date(), wall_time=time(8))
    record_dose(taken.pk, DoseStatus.TAKEN, patient.user, now=NOW - timedelta(hours=1))
    response = signed_in(patient.user).get("/settings/data.zip")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Cache-Control"] == "private, no-store"
    assert 'filename="pulserx-data-2026-06-10.zip"' in response["Content-Disposition"]
    return response.content


def test_the_patient_downloads_one_zip_with_every_export(patient: Patient) -> None:
    with zipfile.ZipFile(io.BytesIO(downloaded(patient))) as opened:
        assert set(opened.namelist()) == {MANIFEST, RECORD, FHIR, CSV, PDF}
        assert opened.read(PDF).startswith(b"%PDF")
        assert b"Metformin" in opened.read(CSV)
        assert b'"resourceType": "Bundle"' in opened.read(FHIR)


def test_settings_offers_the_download_and_the_form(patient: Patient) -> None:
    page = signed_in(patient.user).get("/accounts/settings/").content.decode()
    assert "Download all my data" in page and 'action="/settings/data/import"' in page
    medication(patient, "08:00")
    page = signed_in(patient.user).get("/accounts/settings/").content.decode()
    assert 'action="/settings/data/import"' not in page
    assert "only into an account that has no medications yet" in page


def test_a_caregiver_and_a_stranger_get_no_export_and_no_import(
        patient: Patient, caregiver: User) -> None:
    client = signed_in(caregiver)
    assert client.get("/settings/data.zip").status_code == 404
    upload = SimpleUploadedFile("data.zip", b"PK", content_type="application/zip")
    assert client.post("/settings/data/import", {"archive": upload}).status_code == 404
    anonymous = https_client()
    assert anonymous.get("/settings/data.zip").status_code == 302
    assert anonymous.post("/settings/data/import", {}).status_code == 302


def test_brought_back_on_the_page_into_the_new_account(patient: Patient) -> None:
    archive = downloaded(patient)
    email = patient.user.email
    patient.user.delete()
    fresh = make_patient(email)
    client = signed_in(fresh.user)
    response = client.post("/settings/data/import", {
        "archive": SimpleUploadedFile("data.zip", archive, content_type="application/zip")},
        follow=True)
    assert "Imported 1 medication and 1 dose with their history and 0 inbox messages." \
        in response.content.decode()
    assert Medication.objects.filter(patient=fresh, name="Metformin").exists()


def test_a_refusal_is_shown_on_the_page_and_nothing_imported(patient: Patient) -> None:
    archive = bytearray(downloaded(patient))
    other = make_patient("robin@example.org")
    response = signed_in(other.user).post("/settings/data/import", {
        "archive": SimpleUploadedFile("data.zip", bytes(archive[:-40]))}, follow=True)
    assert "cut short" in response.content.decode()
    response = signed_in(other.user).post("/settings/data/import", {
        "archive": SimpleUploadedFile("data.zip", bytes(archive))}, follow=True)
    assert "This export is of another account (alex@example.org)" in \
        response.content.decode()
    assert not Medication.objects.filter(patient=other).exists()


def test_a_refused_value_is_named_by_its_place_in_the_file(patient: Patient) -> None:
    archive = edited(downloaded(patient),
                     lambda record: record["medications"][0].update(schedule="daily"))
    email = patient.user.email
    patient.user.delete()
    fresh = make_patient(email)
    response = signed_in(fresh.user).post("/settings/data/import", {
        "archive": SimpleUploadedFile("data.zip", archive)}, follow=True)
    assert "Nothing was imported: medications[0].schedule is not a record." in \
        response.content.decode()
    assert not Medication.objects.filter(patient=fresh).exists()


def test_a_request_larger_than_an_export_is_refused_before_it_is_read(
        patient: Patient) -> None:
    client = signed_in(patient.user)
    response = client.post("/settings/data/import", {}, CONTENT_LENGTH=str(200 * 1024 * 1024))
    assert response.status_code == 413
    assert "larger than an export can be" in response.content.decode()


def test_the_import_needs_the_csrf_token(patient: Patient) -> None:
    client = https_client(enforce_csrf_checks=True)
    client.force_login(patient.user)
    upload = SimpleUploadedFile("data.zip", b"PK", content_type="application/zip")
    assert client.post("/settings/data/import", {"archive": upload}).status_code == 403


def test_the_commands_export_and_bring_back(patient: Patient, tmp_path: Path) -> None:
    downloaded(patient)
    path = tmp_path / "data.zip"
    call_command("export_data", patient.user.email, str(path))
    assert path.stat().st_mode & 0o777 == 0o600
    target = make_patient("elsewhere@example.org")
    with pytest.raises(CommandError, match="another account"):
        call_command("import_data", str(path), target.user.email)
    call_command("import_data", str(path), target.user.email, "--other-account")
    assert Medication.objects.filter(patient=target).count() == 1
    with pytest.raises(CommandError, match="already has medications"):
        call_command("import_data", str(path), target.user.email, "--other-account")
