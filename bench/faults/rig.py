"""What every fault scenario does around its fault: start real workers, seed due doses,
wait for the backlog to drain, and stop everything it started."""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench import harness
from bench.faults import census
from bench.faults.services import PrivatePostgres, PrivateRedis

# Short enough that a claim left by a killed worker is taken again within seconds, so ten
# kills fit in a run; every scenario uses it, which also makes leases expire under load.
LEASE = "5s"
# The same for email tasks lost with Redis (production: 460 s), and a lease that a task
# waiting in a busy queue does outlive, so the delivery is enqueued twice.
DELIVERY_LEASE = "10s"
EMAIL_SHARE = 10  # every tenth patient also asked for email reminders (sent to a dummy backend)
BACKLOG_SHARE = 0.01  # of each scenario's doses: overdue past the grace, and overdue within


@dataclass(frozen=True)
class Scale:
    """How big each scenario is; `full` is what docs/reliability.md records."""

    name: str
    patients: int
    kills: int
    steady: int           # doses due over `window` seconds (all but the races)
    window: float
    outage: float         # seconds Redis stays down / the network stays cut / PostgreSQL is down
    race: int
    drain_timeout: float

    @classmethod
    def named(cls, name: str) -> Scale:
        if name == "small":
            return cls("small", patients=200, kills=3, steady=1_500, window=12,
                       outage=4, race=6_000, drain_timeout=120)
        if name == "full":
            return cls("full", patients=1_000, kills=10, steady=20_000,
                       window=60, outage=10, race=100_000, drain_timeout=600)
        raise SystemExit(f"unknown scale {name!r}: choose small or full")


@dataclass
class Rig:
    scale: Scale
    postgres: PrivatePostgres
    redis: PrivateRedis
    log_dir: Path
    people: list[harness.Person] = field(default_factory=list)
    workers: list[harness.Process] = field(default_factory=list)
    started: int = 0

    def worker(self, redis_url: str | None = None, wrapper: tuple[str, ...] = (),
               ready: bool = True, **env: str) -> harness.Process:
        """A real `manage.py worker` (optionally under `wrapper`); with `ready`, returns once
        its dispatcher has ticked twice."""
        self.started += 1
        redis_url = redis_url or self.redis.url
        full_env = {"DATABASE_URL": os.environ["DATABASE_URL"], "REDIS_URL": redis_url,
                    "CELERY_BROKER_URL": redis_url, "LOG_LEVEL": "WARNING",
                    "PULSERX_LEASE": LEASE, "PULSERX_DELIVERY_LEASE": DELIVERY_LEASE,
                    "EMAIL_URL": "dummymail://", **env}
        argv = [sys.executable, *wrapper, "manage.py", "worker"]
        process = harness.Process(f"worker-{self.started}", argv, self.log_dir, full_env)
        self.workers.append(process)
        if ready:
            harness.wait_for_ticks(process, ticks=2, timeout=120)
        return process

    def stop_workers(self) -> list[str]:
        """Stop every worker still running; return the names of any that had died."""
        died = [w.name for w in self.workers if not w.alive() and w.popen.returncode not in
                (0, -signal.SIGKILL)]
        for process in self.workers:
            process.stop()
        self.workers.clear()
        return died


def kill(process: harness.Process) -> None:
    """SIGKILL the worker's whole process group: no shutdown, no cleanup."""
    os.killpg(process.pid, signal.SIGKILL)
    process.popen.wait()


def now() -> datetime:
    return datetime.now(UTC)


def _rows(rig: Rig, count: int, first_due: datetime,
          window: float) -> Iterator[tuple[harness.Person, datetime, bool]]:
    people = rig.people
    step = window / count if window else 0.0
    for n in range(count):
        yield people[n % len(people)], first_due + timedelta(seconds=n * step), False
    backlog = max(1, int(count * BACKLOG_SHARE))
    for n in range(backlog):  # found too late: missed, and told in one summary per patient
        yield people[n % len(people)], first_due - timedelta(hours=3), False
    for n in range(backlog):  # found late but within the grace: delivered, marked late
        yield people[n % len(people)], first_due - timedelta(minutes=10), False


def seed(rig: Rig, count: int, lead: float = 2.0, window: float = 0.0) -> datetime:
    """`count` doses due from `lead` seconds from now, spread evenly over `window` seconds,
    plus the overdue backlog. Returns when the first of them is due."""
    first_due = now() + timedelta(seconds=lead)
    harness.insert_doses(_rows(rig, count, first_due, window))
    return first_due


def drain(rig: Rig, timeout: float) -> float:
    """Wait until no dose waits for its first alert and no email for its sending; return
    how long it took."""
    started = time.monotonic()
    while census.open_work() and time.monotonic() - started < timeout:
        time.sleep(0.25)
    return round(time.monotonic() - started, 1)


def claim_tokens() -> set[str]:
    """The claims currently held on doses (a batch between its claim and its commit)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT claim_token FROM reminders_dose WHERE claim_token <> ''")
        return {row[0] for row in cursor.fetchall()}


def wait_for_new_claim(known: set[str], timeout: float = 60) -> set[str]:
    """Wait until a claim not in `known` is held; return the new tokens ({} on timeout)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        fresh = claim_tokens() - known
        if fresh:
            return fresh
        time.sleep(0.01)
    return set()


def reconnect() -> None:
    """Drop this process's database connection (after the server restarted under it)."""
    from django.db import connection

    connection.close()
