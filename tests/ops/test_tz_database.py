"""One tz database: the pinned tzdata package (unless the host's is newer) in the web
process, the worker and the tests; shown by /healthz and doctor; a change re-plans."""

from __future__ import annotations

import subprocess
import sys
import zoneinfo
from datetime import UTC, date, datetime, time
from io import StringIO
from pathlib import Path

import pytest
import time_machine
import tzdata
from django.core.management import call_command
from django.test import Client

from pulserx import tzdb
from pulserx.reminders.models import Schedule, TzDatabaseSeen
from pulserx.reminders.planning import replan_if_tz_database_changed
from tests import factories as make

ROOT = Path(__file__).resolve().parent.parent.parent
VANCOUVER_0800 = "from datetime import datetime, UTC; from zoneinfo import ZoneInfo; " \
    "print(datetime(2027, 1, 15, 8, tzinfo=ZoneInfo('America/Vancouver')).astimezone(UTC)" \
    ".isoformat())"


def pinned_vancouver_0800() -> datetime:
    """08:00 on 2027-01-15 in Vancouver read straight from the pinned package's file."""
    source = Path(tzdata.__file__).parent / "zoneinfo" / "America" / "Vancouver"
    with source.open("rb") as data:
        zone = zoneinfo.ZoneInfo.from_file(data)
    return datetime(2027, 1, 15, 8, tzinfo=zone).astimezone(UTC)


def test_this_process_reads_the_pinned_database_not_the_hosts() -> None:
    assert tzdb.in_use() == tzdb.package_database()  # the host's (if any) is older
    pinned = pinned_vancouver_0800()
    here = datetime(2027, 1, 15, 8, tzinfo=zoneinfo.ZoneInfo("America/Vancouver"))
    assert here.astimezone(UTC) == pinned == datetime(2027, 1, 15, 15, 0, tzinfo=UTC)
    host = tzdb.host_database(tzdb._HOST_PATHS)
    if host is not None:  # what the host alone would have said (2025b here: 16:00Z)
        with open(Path(host.source) / "America" / "Vancouver", "rb") as data:
            hosts = datetime(2027, 1, 15, 8, tzinfo=zoneinfo.ZoneInfo.from_file(data))
        print(f"host {host.version}: {hosts.astimezone(UTC)}, pinned: {pinned}")


def test_a_process_started_like_the_web_or_the_worker_reads_the_same() -> None:
    """`import pulserx` (settings, asgi, the worker) chooses before any zone loads."""
    code = f"import pulserx; {VANCOUVER_0800}"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout.strip()
    assert out == pinned_vancouver_0800().isoformat()


def test_the_newest_release_wins() -> None:
    package = tzdb.TzDatabase("2026f", "tzdata package")
    assert tzdb.choose(tzdb.TzDatabase("2025b", "/usr/share/zoneinfo"), package) == package
    newer = tzdb.TzDatabase("2027a", "/usr/share/zoneinfo")
    assert tzdb.choose(newer, package) == newer
    assert tzdb.version_key("2026z") < tzdb.version_key("2026aa")


@pytest.mark.django_db
def test_healthz_and_doctor_name_the_release(client: Client, settings) -> None:
    version = tzdata.IANA_VERSION
    settings.PULSERX_HEALTH_TOKEN = "operator-token"  # the details are for operators
    report = Client(headers={"Authorization": "Bearer operator-token"}).get("/healthz").json()
    assert report["tz_database"]["version"] == version
    assert report["tz_database"]["source"] == "tzdata package"
    out = StringIO()
    with pytest.raises(SystemExit):  # no worker runs here: doctor says so and exits 1
        call_command("doctor", "--ping-timeout", "0.1", stdout=out)
    assert f"tz database: {version} (tzdata package)" in out.getvalue()


@pytest.mark.django_db
def test_a_new_release_replans_undelivered_doses(patient) -> None:
    patient.timezone = "America/Vancouver"
    patient.save()
    TzDatabaseSeen.objects.create(pk=1, version="2025b")
    with time_machine.travel(datetime(2027, 1, 14, 12, tzinfo=UTC), tick=False):
        make.medication(patient, time(8), start=date(2027, 1, 15))
        Schedule.objects.update(next_due_at=datetime(2027, 1, 15, 16, 0, tzinfo=UTC))  # 2025b
        assert replan_if_tz_database_changed(tzdata.IANA_VERSION) is True
        assert replan_if_tz_database_changed(tzdata.IANA_VERSION) is False
    assert Schedule.objects.get().next_due_at == datetime(2027, 1, 15, 15, 0, tzinfo=UTC)
    assert TzDatabaseSeen.objects.get().version == tzdata.IANA_VERSION


def test_the_worker_records_the_release_it_planned_with_when_it_starts(start_worker) -> None:
    TzDatabaseSeen.objects.create(pk=1, version="2025b")
    worker = start_worker()
    worker.wait_for("tz database is now")
    assert TzDatabaseSeen.objects.get().version == tzdata.IANA_VERSION
