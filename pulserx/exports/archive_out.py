"""The "Download all my data" ZIP: the JSON record, the FHIR Bundle, the dose CSV and the
report PDF, with a manifest giving each member's size and SHA-256.

The manifest lets an import notice a member that was changed, cut short or swapped by
accident (a file edited by hand, a download broken off). It is not a signature: an archive
must import on any PulseRx, which shares no key with this one, so anyone can write a new
manifest for an edited member. What a forged archive could hold is checked value by value on
import, with the rules every other way in uses (`record_in`).
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import date, datetime, timedelta

from pulserx.accounts.models import Patient
from pulserx.exports.archive_format import CSV, FHIR, FORMAT, MANIFEST, PDF, RECORD, VERSION
from pulserx.exports.dose_csv import dose_rows, write_csv
from pulserx.exports.pdf import render_pdf
from pulserx.exports.record_out import export_record
from pulserx.exports.report import build_report
from pulserx.fhir.bundle_out import MAX_HISTORY_DAYS, patient_bundle
from pulserx.reminders.clock import local_today
from pulserx.reminders.history import MAX_RANGE_DAYS


def manifest(members: dict[str, bytes], exported_at: str) -> bytes:
    """The manifest of `members`: name → size and SHA-256 (pure)."""
    listed = {name: {"bytes": len(content), "sha256": hashlib.sha256(content).hexdigest()}
              for name, content in sorted(members.items())}
    return json_bytes({"format": FORMAT, "version": VERSION, "exported_at": exported_at,
                       "members": listed})


def json_bytes(document: object) -> bytes:
    return json.dumps(document, indent=1, ensure_ascii=False, sort_keys=False).encode()


def pack(members: dict[str, bytes], exported_at: str) -> bytes:
    """The ZIP of `members` and their manifest (pure)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, manifest(members, exported_at))
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def report_range(patient: Patient, now: datetime) -> tuple[date, date]:
    """The CSV's and PDF's range: the last year of days (the longest range they cover)."""
    last = local_today(patient, now)
    return last - timedelta(days=MAX_RANGE_DAYS - 1), last


def build_archive(patient: Patient, now: datetime) -> bytes:
    """The whole archive of `patient` as of `now`, through the exports PulseRx offers."""
    first, last = report_range(patient, now)
    record = export_record(patient, now)
    members = {
        RECORD: json_bytes(record),
        FHIR: json_bytes(patient_bundle(patient, now, days=MAX_HISTORY_DAYS)),
        CSV: write_csv(dose_rows(patient, first, last, now)).encode(),
        PDF: render_pdf(build_report(patient, first, last, now)),
    }
    return pack(members, record["exported_at"])


def archive_name(now: datetime) -> str:
    return f"pulserx-data-{now.date().isoformat()}.zip"
