"""`manage.py doctor` says plainly what works and exits 1 when anything does not."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import tzdata
from django.conf import settings

from pulserx.dispatch.worker import HEARTBEAT_KEY
from pulserx.live import redis_client
from pulserx.ops.health import Health
from pulserx.ops.management.commands.doctor import PingResult, backlog, worker
from tests.conftest import database_url

ROOT = Path(__file__).resolve().parents[2]


def doctor(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "DATABASE_URL": database_url(),
                   "REDIS_URL": settings.REDIS_URL, **env}
    return subprocess.run([sys.executable, "manage.py", "doctor", *args], cwd=ROOT,
                          env=environment, capture_output=True, text=True, timeout=60)


def wait_for_heartbeat(timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while redis_client().get(HEARTBEAT_KEY) is None:
        assert time.monotonic() < deadline, "the worker never wrote a heartbeat"
        time.sleep(0.05)


@pytest.mark.worker
def test_doctor_passes_with_a_live_worker(start_worker: Callable[..., Any]) -> None:
    redis_client().delete(HEARTBEAT_KEY)
    live = start_worker()
    wait_for_heartbeat()

    result = doctor()

    assert result.returncode == 0, result.stdout + result.stderr + live.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("database: ok (") and lines[1].startswith("redis: ok (")
    assert f"pid {live.process.pid})" in lines[2] and lines[2].startswith("worker alive: yes")
    assert lines[3].startswith("worker consuming tasks: yes (ping answered in ")
    assert lines[4].startswith("last batch: ")
    assert lines[5].endswith("MB of the 200 MB budget (512 MB limit)")
    assert lines[6] == "oldest due dose waiting: none"
    assert lines[7].startswith("queue depth: ")
    release = tzdata.IANA_VERSION  # the live worker planned with the same release
    assert lines[8] == f"tz database: {release} (tzdata package); doses planned with {release}"
    assert lines[-1] == "all good"


@pytest.mark.django_db(transaction=True)
def test_doctor_fails_without_a_worker() -> None:
    redis_client().delete(HEARTBEAT_KEY)

    result = doctor("--ping-timeout", "1")

    assert result.returncode == 1
    assert "database: ok" in result.stdout and "redis: ok" in result.stdout
    assert "worker alive: NO (no heartbeat" in result.stdout
    assert "worker consuming tasks: NO (no answer within 1 s)" in result.stdout
    assert result.stdout.splitlines()[-1] == "2 wrong: worker alive, worker consuming tasks"


@pytest.mark.django_db(transaction=True)
def test_doctor_fails_plainly_when_redis_is_down() -> None:
    result = doctor(REDIS_URL="redis://127.0.0.1:1/0")

    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "redis: DOWN" in result.stdout
    assert "worker alive: unknown (the heartbeat lives in Redis, which is down)" in result.stdout
    assert "worker consuming tasks: unknown (Redis is down)" in result.stdout
    assert "queue depth: unknown (the broker is unreachable)" in result.stdout


def test_doctor_fails_plainly_when_the_database_is_down() -> None:
    result = doctor("--ping-timeout", "0.5",
                    DATABASE_URL="postgresql://pulserx:secret@127.0.0.1:1/pulserx")

    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout.startswith("database: DOWN")
    assert "oldest due dose waiting: unknown (the database is down)" in result.stdout


def report(**changes: Any) -> Health:
    base: dict[str, Any] = {
        "healthy": True, "problems": [], "warnings": [],
        "database": {"ok": True, "latency_ms": 1.0}, "redis": {"ok": True, "latency_ms": 0.4},
        "dispatcher": {"alive": True, "last_tick_age_s": 0.4, "last_tick_took_ms": 12.0,
                       "reminded_last_batch": 2, "rss_mb": 61.2, "pid": 123},
        "oldest_due_dose_age_s": None, "queue_depth": 0,
        "memory": {"rss_mb": 61.2, "budget_mb": 200, "limit_mb": 512},
    }
    return Health(**{**base, **changes})  # type: ignore[typeddict-item]


def test_verdicts_read_the_way_an_operator_reads_them() -> None:
    assert worker(report(), PingResult(35)) == [
        (True, "worker alive: yes (last tick 0.4 s ago, pid 123)"),
        (True, "worker consuming tasks: yes (ping answered in 35 ms)"),
        (True, "last batch: 2 reminders in 12.0 ms"),
    ]
    assert backlog(report()) == [
        (True, "memory: 61 MB of the 200 MB budget (512 MB limit)"),
        (True, "oldest due dose waiting: none"),
        (True, "queue depth: 0"),
    ]


def test_a_stuck_dispatcher_a_backlog_and_memory_over_budget_are_wrong() -> None:
    stuck = report(
        dispatcher={"alive": False, "last_tick_age_s": 95.0, "last_tick_took_ms": 12.0,
                    "reminded_last_batch": 0, "rss_mb": 240.0, "pid": 123},
        memory={"rss_mb": 240.0, "budget_mb": 200, "limit_mb": 512},
        oldest_due_dose_age_s=90.0,
    )

    alive, _, _ = worker(stuck, PingResult(None, "no answer within 5 s"))
    memory, waiting, _ = backlog(stuck)

    assert alive[0] is False and "last tick 95.0 s ago" in alive[1]
    assert memory == (False, "memory: 240 MB, OVER the 200 MB budget (512 MB limit); "
                             "the memory guard should be restarting the worker")
    assert waiting[0] is False and waiting[1].startswith("oldest due dose waiting: 90.0 s (LATE")
