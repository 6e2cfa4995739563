"""Bringing a data export back, as a German reader: what the import says (the summary with
its counts, a refusal naming a place in the file) is in German. The new sentences are
translated by catalogs made for the test (`catalog`); the medication cap's refusal by the
catalog the project ships."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext, ngettext

from pulserx.accounts.models import Patient
from pulserx.exports.archive_out import build_archive
from pulserx.reminders.actions import record_dose
from pulserx.reminders.models import MAX_MEDICATIONS_PER_PATIENT, DoseStatus, Medication
from tests.exports.test_refusals import edited
from tests.factories import dose, make_patient, medication
from tests.i18n.conftest import MakeCatalog, Plural
from tests.support import https_client

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 10, 9, 30, tzinfo=UTC)
NOTHING_IMPORTED = {"Nothing was imported: %(reason)s": "Nichts wurde importiert: %(reason)s"}
SUMMARY = {
    "Imported %(medications)s and %(doses)s with their history and %(messages)s.":
        "%(medications)s und %(doses)s samt Verlauf und %(messages)s importiert.",
    Plural("%(count)s medication", "%(count)s medications"):
        ("%(count)s Medikament", "%(count)s Medikamente"),
    Plural("%(count)s dose", "%(count)s doses"): ("%(count)s Dosis", "%(count)s Dosen"),
    Plural("%(count)s inbox message", "%(count)s inbox messages"):
        ("%(count)s Nachricht", "%(count)s Nachrichten"),
}


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def exported(patient: Patient, doses: int) -> bytes:
    """The patient's export: Metformin, with `doses` of it taken."""
    med = medication(patient, "08:00", name="Metformin")
    for n in range(1, doses + 1):
        taken = dose(med, NOW - timedelta(days=n), local_day=(NOW - timedelta(days=n)).date(),
                     wall_time=time(8))
        record_dose(taken.pk, DoseStatus.TAKEN, patient.user, now=NOW - timedelta(days=n))
    return build_archive(patient, NOW)


def german_reader_of(patient: Patient) -> tuple[Patient, Client]:
    """The patient's account made again (same address, nothing in it), reading German."""
    email = patient.user.email
    patient.user.delete()
    fresh = make_patient(email)
    fresh.user.language = "de"
    fresh.user.save(update_fields=["language"])
    client = https_client()
    client.force_login(fresh.user)
    return fresh, client


def imported(client: Client, archive: bytes) -> str:
    response = client.post("/settings/data/import", {
        "archive": SimpleUploadedFile("data.zip", archive, content_type="application/zip")},
        follow=True)
    assert response.status_code == 200
    return response.content.decode()


def test_a_german_reader_reads_the_summary_in_german_with_each_count_agreeing(
        catalog: MakeCatalog, patient: Patient) -> None:
    catalog("de", SUMMARY)
    archive = exported(patient, doses=2)
    _, client = german_reader_of(patient)
    page = imported(client, archive)
    assert "1 Medikament und 2 Dosen samt Verlauf und 0 Nachrichten importiert." in page
    assert "Imported" not in page


def test_a_german_reader_reads_a_refusal_in_german_naming_the_place_as_the_file_does(
        catalog: MakeCatalog, patient: Patient) -> None:
    catalog("de", {**NOTHING_IMPORTED,
                   "%(where)s is not a record.": "%(where)s ist kein Datensatz."})
    archive = edited(exported(patient, doses=1),
                          lambda record: record["medications"][0].update(schedule="daily"))
    fresh, client = german_reader_of(patient)
    page = imported(client, archive)
    assert "Nichts wurde importiert: medications[0].schedule ist kein Datensatz." in page
    assert not Medication.objects.filter(patient=fresh).exists()


def test_the_medication_cap_is_refused_in_the_shipped_german(patient: Patient) -> None:
    def too_many(record: dict[str, Any]) -> None:
        first = record["medications"][0]
        record["medications"] = [
            {**first, "id": n, "schedule": {**first["schedule"], "id": n}}
            for n in range(1000, 1001 + MAX_MEDICATIONS_PER_PATIENT)]
        record["doses"] = record["stock_events"] = record["notifications"] = []

    archive = edited(exported(patient, doses=0), too_many)
    fresh, client = german_reader_of(patient)
    with translation.override("de"):
        expected = gettext("Nothing was imported: %(reason)s") % {"reason": ngettext(
            "At most %(most)s medication per patient: delete one you no longer take first.",
            "At most %(most)s medications per patient: delete one you no longer take first.",
            MAX_MEDICATIONS_PER_PATIENT) % {"most": MAX_MEDICATIONS_PER_PATIENT}}
    assert expected.startswith("Es wurde nichts importiert: Höchstens 100 Medikamente")
    assert expected in imported(client, archive)
    assert not Medication.objects.filter(patient=fresh).exists()
