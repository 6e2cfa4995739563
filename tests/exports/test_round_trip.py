"""Export → delete the account → sign up again → bring the export back: the new account's
Today, History, report, medications and inbox read the same, and its own export equals the
first one field by field (ids aside)."""

from __future__ import annotations

import copy
import io
import zipfile
from collections.abc import Iterator

import pytest
import time_machine

from pulserx.accounts.deletion import purge_account
from pulserx.accounts.models import Patient, User
from pulserx.exports.archive_in import unpack
from pulserx.exports.archive_out import build_archive
from pulserx.exports.record_in import import_record
from pulserx.exports.record_out import export_record
from pulserx.notifications.models import UserChannel
from pulserx.reminders.models import StockEvent
from tests.exports.account import NOW, build_account, page_texts, without_ids
from tests.factories import make_patient


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def expected_after_import(record: dict) -> dict:
    """What comes back differently, by design: the caregiver is invited again (their
    acceptance was theirs), and the channel is listed again but not set up."""
    expected = copy.deepcopy(record)
    for link in expected["care_team"]:
        link["status"] = "invited" if link["status"] == "accepted" else link["status"]
        link["caregiver"] = None
    expected["channels"] = []
    return expected


def test_an_export_brought_back_into_a_new_account_reads_the_same(
        patient: Patient, caregiver: User) -> None:
    build_account(patient, caregiver)
    email = patient.user.email
    before_pages = page_texts(patient.user)
    before = export_record(patient, NOW)
    archive = build_archive(patient, NOW)

    purge_account(patient.user)
    assert not User.objects.filter(email=email).exists()
    fresh = make_patient(email, tz="UTC")
    summary = import_record(fresh, unpack(archive), NOW)

    assert (summary.medications, summary.invitations, summary.channels_to_set_up) == (7, 1, 1)
    assert page_texts(fresh.user) == before_pages
    after = export_record(fresh, NOW)
    assert without_ids(after) == without_ids(expected_after_import(before))


def test_every_kind_of_record_is_in_the_export(patient: Patient, caregiver: User) -> None:
    build_account(patient, caregiver)
    record = export_record(patient, NOW)
    kinds = {m["schedule"]["recurrence"] for m in record["medications"]}
    assert kinds == {"daily", "weekdays", "interval", "cycle", "taper", "every_hours",
                     "as_needed"}
    statuses = {d["status"] for d in record["doses"]}
    assert statuses == {"taken", "skipped", "missed", "notified"}
    assert any(d["corrections"] for d in record["doses"])
    assert {e["kind"] for e in record["stock_events"]} >= {"taken", "refilled"}
    assert record["care_team"][0]["caregiver"]["email"] == caregiver.email
    assert record["channels"] == [{"service": "ntfy", "name": "Phone", "paused": True,
                                   "for_reminders": True, "for_realerts": True,
                                   "for_missed": True, "for_refills": True,
                                   "created_at": record["channels"][0]["created_at"]}]
    assert record["day_routine"]["breakfast"] == "07:45"
    assert record["settings"]["quiet_start"] == "22:00"


def test_no_secret_leaves_in_the_archive(patient: Patient, caregiver: User) -> None:
    build_account(patient, caregiver)
    archive = build_archive(patient, NOW)
    with zipfile.ZipFile(io.BytesIO(archive)) as opened:
        everything = b"".join(opened.read(name) for name in opened.namelist())
    link = patient.care_links.get()
    for secret in (patient.calendar_token, link.token, patient.user.password,
                   UserChannel.objects.get().sealed_settings):
        assert secret.encode() not in everything


def test_the_import_adds_no_stock_correction_of_its_own(patient: Patient,
                                                        caregiver: User) -> None:
    build_account(patient, caregiver)
    events = StockEvent.objects.filter(medication__patient=patient).count()
    archive = build_archive(patient, NOW)
    email = patient.user.email
    purge_account(patient.user)
    fresh = make_patient(email)
    import_record(fresh, unpack(archive), NOW)
    assert StockEvent.objects.filter(medication__patient=fresh).count() == events
