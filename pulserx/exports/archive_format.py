"""The "all my data" archive: its name, version, members and the bounds an import holds.

One place for what both directions agree on; `archive_out` writes it, `archive_in` reads it,
docs/data-export.md describes it."""

from __future__ import annotations

FORMAT = "pulserx-export"
# Raised when a record's meaning changes; an import refuses a version newer than this.
VERSION = 1

MANIFEST = "manifest.json"
RECORD = "pulserx-data.json"
FHIR = "medications.fhir.json"
CSV = "doses.csv"
PDF = "report.pdf"
MEMBERS = (RECORD, FHIR, CSV, PDF)

# What an import reads at most: the upload itself, the members declared and, since a
# member's declared size can lie, the bytes really inflated. A year of 10 medications three
# times a day makes a 0.57 MB archive (docs/data-export.md).
MAX_UPLOAD_BYTES = 64 * 1024 * 1024
MAX_MEMBER_COUNT = 8
MAX_MEMBER_BYTES = 96 * 1024 * 1024
MAX_TOTAL_BYTES = 192 * 1024 * 1024
MAX_MANIFEST_BYTES = 64 * 1024


class ArchiveRefused(Exception):
    """The archive cannot be imported; the message says why, in words for the patient."""
