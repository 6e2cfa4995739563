"""An archive that was edited, cut short, made by a newer PulseRx, not an export at all,
someone else's, too large or too many medications is refused with a message that says so,
and nothing of it is imported."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
import time_machine

from pulserx.accounts.models import CareLink, Patient, User
from pulserx.exports import archive_in
from pulserx.exports.archive_format import (
    CSV,
    MANIFEST,
    MAX_MEMBER_BYTES,
    RECORD,
    ArchiveRefused,
)
from pulserx.exports.archive_in import unpack
from pulserx.exports.archive_out import build_archive, pack
from pulserx.exports.record_in import import_record
from pulserx.notifications.models import Notification
from pulserx.reminders.actions import record_dose
from pulserx.reminders.models import Dose, DoseStatus, Medication, StockEvent
from tests.factories import dose as make_dose
from tests.factories import make_patient, medication

NOW = datetime(2026, 6, 10, 9, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def archive(patient: Patient, caregiver: User) -> bytes:
    med = medication(patient, "08:00", name="Metformin")
    taken = make_dose(med, NOW - timedelta(hours=2), local_day=NOW.date(), wall_time=time(8))
    record_dose(taken.pk, DoseStatus.TAKEN, patient.user, now=NOW - timedelta(hours=1))
    return build_archive(patient, NOW)


@pytest.fixture
def fresh(db: None) -> Patient:
    """A new account with the same address (the first one was deleted, or is on another
    PulseRx): here under another address, imported as the operator's command may."""
    return make_patient("alex.new@example.org")


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as opened:
        return {name: opened.read(name) for name in opened.namelist()}


def edited(data: bytes, change: Callable[[dict[str, Any]], None]) -> bytes:
    """The archive with its record changed and a manifest that agrees (as a forger would)."""
    parts = members(data)
    record = json.loads(parts[RECORD])
    change(record)
    parts[RECORD] = json.dumps(record).encode()
    del parts[MANIFEST]
    return pack(parts, record["exported_at"])


def refused(patient: Patient, data: bytes) -> str:
    with pytest.raises(ArchiveRefused) as caught:
        import_record(patient, unpack(data), NOW, other_account=True)
    assert_nothing_imported(patient)
    return str(caught.value)


def assert_nothing_imported(patient: Patient) -> None:
    assert not Medication.objects.filter(patient=patient).exists()
    assert not Dose.objects.filter(patient=patient).exists()
    assert not StockEvent.objects.filter(medication__patient=patient).exists()
    assert not Notification.objects.filter(patient=patient).exists()
    assert not CareLink.objects.filter(patient=patient).exists()
    patient.refresh_from_db()
    assert patient.timezone == "Europe/London" and patient.realert_every_minutes == 0


def test_a_member_edited_by_hand_is_refused(fresh: Patient, archive: bytes) -> None:
    parts = members(archive)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        for name, content in parts.items():
            out.writestr(name, content.replace(b"Metformin", b"Metfornim"))
    assert "does not match its checksum" in refused(fresh, buffer.getvalue())


def test_a_cut_short_archive_is_refused(fresh: Patient, archive: bytes) -> None:
    for length in (len(archive) // 2, len(archive) - 30):
        assert "cut short" in refused(fresh, archive[:length])


def test_a_member_left_out_is_refused(fresh: Patient, archive: bytes) -> None:
    parts = members(archive)
    del parts[CSV]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        for name, content in parts.items():
            out.writestr(name, content)
    assert "doses.csv is missing" in refused(fresh, buffer.getvalue())


def test_an_export_from_a_newer_pulserx_is_refused(fresh: Patient, archive: bytes) -> None:
    parts = members(archive)
    manifest = json.loads(parts[MANIFEST])
    manifest["version"] = 2
    parts[MANIFEST] = json.dumps(manifest).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        for name, content in parts.items():
            out.writestr(name, content)
    assert "made by a newer PulseRx (format version 2" in refused(fresh, buffer.getvalue())
    newer_record = edited(archive, lambda record: record.update(version=2))
    assert "newer PulseRx" in refused(fresh, newer_record)


@pytest.mark.parametrize("content", [b"%PDF-1.4 not a zip", b"", b"PK\x03\x04garbage"])
def test_a_file_that_is_not_a_zip_is_refused(fresh: Patient, content: bytes) -> None:
    assert "not a PulseRx data export" in refused(fresh, content)


def test_a_zip_that_is_not_an_export_is_refused(fresh: Patient) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        out.writestr("holiday.jpg", b"\xff\xd8\xff")
    assert "not a PulseRx data export" in refused(fresh, buffer.getvalue())


def test_another_accounts_export_is_refused_on_the_page_path(
        other_patient: Patient, archive: bytes) -> None:
    with pytest.raises(ArchiveRefused, match=r"another account \(alex@example\.org\)"):
        import_record(other_patient, unpack(archive), NOW)
    assert not Medication.objects.filter(patient=other_patient).exists()


def test_an_account_that_has_medications_takes_no_import(fresh: Patient,
                                                         archive: bytes) -> None:
    medication(fresh, "09:00", name="Aspirin")
    with pytest.raises(ArchiveRefused, match="already has medications"):
        import_record(fresh, unpack(archive), NOW, other_account=True)
    assert Medication.objects.filter(patient=fresh).count() == 1


def test_a_zip_bomb_is_refused_before_it_is_inflated(fresh: Patient) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as out:
        out.writestr(MANIFEST, b"{}")
        with out.open(RECORD, "w") as member:
            zeros = bytes(1024 * 1024)
            for _ in range(MAX_MEMBER_BYTES // len(zeros) + 1):
                member.write(zeros)
    assert len(buffer.getvalue()) < 1024 * 1024
    assert "larger than an export can be" in refused(fresh, buffer.getvalue())


def test_a_member_that_holds_more_than_it_declares_stops_at_its_declared_size(
        fresh: Patient, archive: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    """Declared sizes can lie: the reader stops after them (the CRC then fails)."""
    big = edited(archive, lambda record: record["profile"].update(first_name="x" * 5000))
    lying = bytearray(big)
    with zipfile.ZipFile(io.BytesIO(big)) as opened:
        info = opened.getinfo(RECORD)
    # The record's entry in the central directory: its uncompressed size is 24 bytes past
    # the entry's start, its name 46 bytes past it.
    entry = bytes(lying).find(RECORD.encode(), bytes(lying).find(b"PK\x01\x02")) - 46
    assert int.from_bytes(lying[entry + 24:entry + 28], "little") == info.file_size
    lying[entry + 24:entry + 28] = (100).to_bytes(4, "little")
    assert "pulserx-data.json cannot be read" in refused(fresh, bytes(lying))


def test_too_many_members_are_refused(fresh: Patient) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        for n in range(20):
            out.writestr(f"part{n}.json", b"{}")
    assert "It holds 20 files" in refused(fresh, buffer.getvalue())


def test_an_upload_larger_than_an_export_can_be_is_refused_unread(
        fresh: Patient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive_in, "MAX_UPLOAD_BYTES", 1000)
    assert "larger than an export can be" in refused(fresh, bytes(1001))


@pytest.mark.parametrize(("change", "named"), [
    (lambda r: r["medications"][0].update(stock="-5"), "medications[0].stock"),
    (lambda r: r["medications"][0].update(name="Met\x00formin"),
     "medications[0].name is not valid: must not contain control characters"),
    (lambda r: r["medications"][0].update(form="lozenge"), "medications[0].form"),
    (lambda r: r["medications"][0]["schedule"].update(times=[{"at": "25:00", "amount": "1"}]),
     "medications[0].schedule.times"),
    (lambda r: r["medications"][0]["schedule"].update(recurrence="weekdays", weekdays=[]),
     "medications[0].schedule"),
    (lambda r: r["doses"][0].update(status="eaten"), "doses[0].status"),
    (lambda r: r["doses"][0].update(medication=999), "doses[0]"),
    (lambda r: r["doses"][0].update(due_at="yesterday"), "doses[0].due_at"),
    (lambda r: r["doses"][0].update(recorded_by={"who": "admin"}), "doses[0]"),
    (lambda r: r["settings"].update(timezone="Mars/Olympus"), "settings.timezone"),
    (lambda r: r["settings"].update(missed_after_minutes=100000), "settings.missed_after"),
    (lambda r: r["care_team"][0].update(invited_email="not an address"), "care_team[0]"),
    (lambda r: r["care_team"][0].update(invited_email="alex.new@example.org"),
     "That is your own address"),
    (lambda r: r["stock_events"][0].update(kind="stolen"), "stock_events[0].kind"),
    (lambda r: r["notifications"].append({**r["notifications"][0]})
     if r["notifications"] else r["doses"].append({**r["doses"][0]}), "contradict"),
    (lambda r: r["doses"][0].update(extra_field=1), "doses[0]"),
    (lambda r: r.pop("channels"), "parts are not the ones"),
])
def test_an_edited_but_consistent_file_still_cannot_make_invalid_data(
        fresh: Patient, archive: bytes, change: Callable[[dict[str, Any]], None],
        named: str) -> None:
    """A manifest rewritten to match proves nothing: each value meets the pages' and the
    API's rules, or the whole import is refused naming it."""
    assert named in refused(fresh, edited(archive, change))


def test_a_refusal_is_one_sentence_naming_the_place_in_the_file(
        fresh: Patient, archive: bytes) -> None:
    def schedule_not_a_record(record: dict[str, Any]) -> None:
        record["medications"][0]["schedule"] = ["daily"]

    def fields_changed(record: dict[str, Any]) -> None:
        record["doses"][0]["eaten_at"] = record["doses"][0].pop("status")

    assert refused(fresh, edited(archive, schedule_not_a_record)) == (
        "Nothing was imported: medications[0].schedule is not a record.")
    assert refused(fresh, edited(archive, lambda record: record.update(settings=[]))) == (
        "Nothing was imported: settings is not a record.")
    assert refused(fresh, edited(archive, fields_changed)) == (
        "Nothing was imported: doses[0] does not have the fields this format gives it "
        "(eaten_at, status).")


def test_the_medication_cap_holds_on_import(fresh: Patient, archive: bytes) -> None:
    def hundred_and_one(record: dict[str, Any]) -> None:
        first = record["medications"][0]
        record["medications"] = [
            {**first, "id": n, "schedule": {**first["schedule"], "id": n}}
            for n in range(1000, 1101)]
        record["doses"] = record["stock_events"] = record["notifications"] = []

    assert "At most 100 medications per patient" in refused(fresh,
                                                            edited(archive, hundred_and_one))


def test_the_unedited_archive_imports(fresh: Patient, archive: bytes) -> None:
    summary = import_record(fresh, unpack(archive), NOW, other_account=True)
    assert summary.medications == 1 and summary.invitations == 1
    assert Dose.objects.filter(patient=fresh, status=DoseStatus.TAKEN,
                               acted_by=fresh.user).count() == 1
