"""docs/data-export.md names every key of the record, and the version the code writes."""

from __future__ import annotations

import re
from pathlib import Path

from pulserx.exports import record_out
from pulserx.exports.archive_format import MEMBERS, VERSION
from pulserx.exports.record_in import TOP_KEYS

DOC = (Path(__file__).resolve().parents[2] / "docs" / "data-export.md").read_text()


def test_every_key_of_the_record_is_documented() -> None:
    documented = set(re.findall(r"`([a-z_0-9.-]+)`", DOC))
    written = set(TOP_KEYS) | set(MEMBERS)
    for name in dir(record_out):
        if name.endswith(("_FIELDS", "_REFS")):
            written |= set(getattr(record_out, name))
    written |= {"schedule", "recorded_by", "corrections", "by", "caregiver"}
    assert written - documented == set()


def test_the_documented_version_is_the_one_written() -> None:
    assert f"version {VERSION}" in DOC
    assert "[docs/data-export.md](docs/data-export.md)" in \
        (Path(__file__).resolve().parents[2] / "README.md").read_text()
