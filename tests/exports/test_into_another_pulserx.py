"""An export brought into another PulseRx: a second installation with a database of its own,
migrated from nothing, in processes of its own (on SQLite, whichever database this suite
runs on). The new account's Today, History and report read the same as the old ones, and
its record equals the exported one field by field, ids aside."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import time_machine

from pulserx.accounts.models import Patient, User
from pulserx.exports.archive_out import build_archive
from pulserx.exports.record_out import export_record
from tests.exports.account import NOW, build_account, page_texts, without_ids
from tests.exports.test_round_trip import expected_after_import

ROOT = Path(__file__).resolve().parents[2]

# Run by the other installation: a new account with the same address, the archive brought
# in, then what its pages say and its own export, as JSON on stdout.
BRING_BACK = """
import json, sys
import django
django.setup()
import pytest
import time_machine
from pulserx.exports.archive_in import unpack
from pulserx.exports.record_in import import_record
from pulserx.exports.record_out import export_record
from tests.exports.account import NOW, page_texts
from tests.factories import make_patient

archive, email = sys.argv[1], sys.argv[2]
with time_machine.travel(NOW, tick=False):
    patient = make_patient(email, tz="UTC")
    with open(archive, "rb") as data:
        import_record(patient, unpack(data.read()), NOW)
    print(json.dumps({"pages": page_texts(patient.user),
                      "record": export_record(patient, NOW)}, default=str))
"""


def as_json(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def other_installation(folder: Path) -> dict[str, str]:
    """The environment of a second PulseRx: its own var/ and a database nobody has used."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("DATABASE_URL", "DJANGO_", "PULSERX_"))}
    env.update(PYTHONPATH=str(ROOT), DJANGO_SETTINGS_MODULE="pulserx.settings",
               PULSERX_VAR_DIR=str(folder), DATABASE_URL=f"sqlite:///{folder / 'other.sqlite3'}")
    return env


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(NOW, tick=False):
        yield


def test_an_export_comes_back_whole_in_another_installation(
        patient: Patient, caregiver: User, tmp_path: Path) -> None:
    build_account(patient, caregiver)
    pages = page_texts(patient.user)
    record = export_record(patient, NOW)
    archive = tmp_path / "data.zip"
    archive.write_bytes(build_archive(patient, NOW))

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = other_installation(elsewhere)
    for deploy_step in (["migrate"], ["collectstatic"]):  # as an operator deploys it
        subprocess.run([sys.executable, "manage.py", *deploy_step, "--noinput"], cwd=ROOT,
                       env=env, check=True, capture_output=True, timeout=300)
    done = subprocess.run([sys.executable, "-c", BRING_BACK, str(archive), patient.user.email],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    there = json.loads(done.stdout.strip().splitlines()[-1])

    assert there["pages"] == pages
    assert without_ids(there["record"]) == without_ids(as_json(expected_after_import(record)))
