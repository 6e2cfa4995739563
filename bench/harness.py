"""What every scenario needs: the database and Redis under test, seeded rows, real processes
started the production way, an RSS sampler and a subscriber that counts live events.

Nothing here knows a figure in advance: scenarios measure, this module only helps them.
"""

from __future__ import annotations

import atexit
import json
import math
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgresql://root@127.0.0.1:5432/pulserx_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"
HEARTBEAT_KEY = "pulserx:dispatcher:heartbeat"  # the same key as pulserx.dispatch.worker


# --- configuration

@dataclass(frozen=True)
class Sizes:
    """How big each scenario is. The full sizes are the ones the targets are stated for."""

    patients: int = 1_000
    burst: int = 10_000
    pending: int = 1_000_000
    soak_waves: int = 20
    soak_wave: int = 10_000
    classic: int = 10_000
    classic_timeout: float = 120.0
    duplicates: int = 200
    sockets: int = 1_000
    slow_window: int = 15
    smtp_delay: float = 10.0
    pair_sockets: int = 5_000
    scale_burst: int = 100_000
    scale_workers: tuple[int, ...] = (1, 2, 4)
    peak_compression: float = 120.0
    rival: int = 10_000

    @classmethod
    def quick(cls) -> Sizes:
        return cls(patients=100, burst=1_000, pending=20_000, soak_waves=3, soak_wave=1_000,
                   classic=1_000, classic_timeout=30.0, duplicates=30, sockets=100,
                   slow_window=12, pair_sockets=200, scale_burst=5_000,
                   peak_compression=3_600.0, rival=1_000)


@dataclass
class Context:
    sizes: Sizes
    quick: bool
    out_dir: Path
    log_dir: Path
    database_url: str
    redis_url: str
    results: dict[str, Any] = field(default_factory=dict)


def configure_environment() -> tuple[str, str]:
    """Point this process (and every process it starts) at the benchmark database and Redis."""
    database_url = os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    redis_url = os.environ.setdefault("REDIS_URL", DEFAULT_REDIS_URL)
    if not database_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit(f"the benchmarks run on PostgreSQL; DATABASE_URL is {database_url!r}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pulserx.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    return database_url, redis_url


def create_database(database_url: str) -> None:
    """CREATE DATABASE when it is missing (connecting to the server's `postgres` database)."""
    import environ
    import psycopg

    config = environ.Env.db_url_config(database_url)
    name = config["NAME"]
    with psycopg.connect(dbname="postgres", user=config.get("USER") or None,
                         password=config.get("PASSWORD") or None,
                         host=config.get("HOST") or None, port=config.get("PORT") or None,
                         autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def setup_django(database_url: str) -> None:
    import django
    from django.core.management import call_command

    create_database(database_url)
    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


# --- database and Redis state

def product_tables() -> list[str]:
    from django.apps import apps

    tables = {"django_session"}
    for config in apps.get_app_configs():
        if config.name.startswith("pulserx."):
            for model in config.get_models(include_auto_created=True):
                tables.add(model._meta.db_table)
    return sorted(tables)


def reset_database() -> None:
    """Empty every PulseRx table (and the sessions) between scenarios."""
    from django.db import connection

    names = ", ".join(f'"{t}"' for t in product_tables())
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {names} RESTART IDENTITY CASCADE")


def truncate_doses() -> None:
    """Drop the doses and, by cascade, their notifications and deliveries; keep the people."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE reminders_dose RESTART IDENTITY CASCADE")


def redis_client() -> Any:
    import redis
    from django.conf import settings

    return redis.Redis.from_url(settings.REDIS_URL)


def flush_redis() -> None:
    """FLUSHDB on the benchmark's own Redis database number only."""
    redis_client().flushdb()


def reset_all() -> None:
    reset_database()
    flush_redis()
    ensure_no_stray_worker()


def ensure_no_stray_worker(wait: float = 1.5) -> None:
    """A worker left running on this database and Redis would deliver doses meant for the
    scenario: refuse to measure next to one."""
    time.sleep(wait)
    beat = heartbeat()
    if beat:
        raise RuntimeError(f"a PulseRx worker (pid {beat.get('pid')}) is already running on "
                           "the benchmark database and Redis; stop it first")


def scalar(sql: str, params: Iterable[Any] = ()) -> Any:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        row = cursor.fetchone()
    return row[0] if row else None


# --- seeding

@dataclass(frozen=True)
class Person:
    patient_id: int
    user_id: int
    medication_id: int
    schedule_id: int
    email: str


def seed_patients(count: int) -> list[Person]:
    """`count` patients, each with one medication on a daily 08:00 schedule. The schedules'
    `next_due_at` is two months away, so the materialise step stays idle during a run."""
    from django.contrib.auth.hashers import make_password

    from pulserx.accounts.models import Patient, User
    from pulserx.reminders.models import Medication, Schedule

    password = make_password("correct horse battery")  # hashed once, shared: seeding is fast
    users = User.objects.bulk_create([
        User(email=f"bench{n}@example.org", username=f"bench{n}@example.org",
             first_name=f"Bench{n}", password=password)
        for n in range(count)
    ], batch_size=1000)
    patients = Patient.objects.bulk_create(
        [Patient(user=u, timezone="Europe/London") for u in users], batch_size=1000)
    medications = Medication.objects.bulk_create([
        Medication(patient=p, name="Metformin", strength="500 mg", stock=100)
        for p in patients
    ], batch_size=1000)
    later = datetime.now(UTC) + timedelta(days=60)
    schedules = Schedule.objects.bulk_create([
        Schedule(patient=p, medication=m, times=[{"at": "08:00", "amount": "1"}],
                 start_date=later.date(), next_due_at=later)
        for p, m in zip(patients, medications, strict=True)
    ], batch_size=1000)
    record_tz_database()
    return [Person(p.pk, u.pk, m.pk, s.pk, u.email)
            for u, p, m, s in zip(users, patients, medications, schedules, strict=True)]


def record_tz_database() -> None:
    """Record the tz database in use, as a deployment's first worker does before it has
    patients: otherwise the first worker started on the seeded database re-plans every
    schedule (as after a tz database upgrade) and its idle figure carries that one-off."""
    from pulserx.reminders.models import TzDatabaseSeen
    from pulserx.tzdb import in_use

    TzDatabaseSeen.objects.update_or_create(pk=1, defaults={"version": in_use().version})


DOSE_COLUMNS = ("patient_id", "schedule_id", "medication_id", "due_at", "amount", "status",
                "next_action_at", "claim_token", "alerts_sent", "late", "limit_override",
                "limit_note", "recorded_via")


def insert_doses(rows: Iterable[tuple[Person, datetime, bool]],
                 for_dispatcher: bool = True) -> tuple[int, int]:
    """COPY dose rows (person, due_at, with_schedule) into reminders_dose, due for their
    first reminder at `due_at`. Returns the inclusive id range they received.

    With `for_dispatcher` false the rows have no `next_action_at`: no PulseRx dispatcher
    will ever claim them (the classic baseline delivers those)."""
    from django.db import connection

    first = (scalar("SELECT COALESCE(max(id), 0) FROM reminders_dose") or 0) + 1
    one = Decimal(1)
    with connection.cursor() as cursor, cursor.cursor.copy(
        f"COPY reminders_dose ({', '.join(DOSE_COLUMNS)}) FROM STDIN"
    ) as copy:
        for person, due_at, with_schedule in rows:
            copy.write_row((person.patient_id, person.schedule_id if with_schedule else None,
                            person.medication_id, due_at, one, "scheduled",
                            due_at if for_dispatcher else None, "", 0, False, False, "", ""))
    last = scalar("SELECT COALESCE(max(id), 0) FROM reminders_dose")
    return first, last


def due_burst(people: list[Person], count: int, due_at: datetime) -> Iterator[tuple[Person,
                                                                                  datetime, bool]]:
    """`count` doses due at the same instant, spread evenly over `people`."""
    for n in range(count):
        yield people[n % len(people)], due_at, False


def delivered(first: int, last: int) -> tuple[int, int]:
    """(doses notified, notifications written) for the dose ids first..last, as committed."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM reminders_dose WHERE id BETWEEN %s AND %s "
            "        AND status = 'notified'),"
            "       (SELECT count(*) FROM notifications_notification "
            "        WHERE dose_id BETWEEN %s AND %s)", [first, last, first, last])
        notified, notifications = cursor.fetchone()
    return notified, notifications


# --- time

def next_whole_second(after: float) -> float:
    return float(math.ceil(after))


def as_datetime(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def sleep_until(epoch: float) -> None:
    delay = epoch - time.time()
    if delay > 0:
        time.sleep(delay)


# --- processes

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


_started: list[Process] = []


@atexit.register
def _stop_leftovers() -> None:
    """Never leave a worker or server of this run behind, whatever went wrong."""
    for process in _started:
        process.stop(timeout=10)


class Process:
    """A process this run started, in its own session, its output in a log file."""

    def __init__(self, name: str, argv: list[str], log_dir: Path,
                 env: dict[str, str] | None = None) -> None:
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("w")
        full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        self.popen = subprocess.Popen(argv, cwd=ROOT, env=full_env, stdout=self._log,
                                      stderr=subprocess.STDOUT, start_new_session=True)
        self.pid = self.popen.pid
        _started.append(self)

    def alive(self) -> bool:
        return self.popen.poll() is None

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def check_alive(self) -> None:
        if not self.alive():
            tail = "\n".join(self.output().splitlines()[-30:])
            raise RuntimeError(f"{self.name} exited ({self.popen.returncode}):\n{tail}")

    def stop(self, timeout: float = 30) -> None:
        """SIGTERM (a warm shutdown for Celery), SIGKILL if it outlasts `timeout`."""
        if self.alive():
            os.killpg(self.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.pid, signal.SIGKILL)
                self.popen.wait()
        if not self._log.closed:
            self._log.close()


def service_env(**extra: str) -> dict[str, str]:
    return {"DATABASE_URL": os.environ["DATABASE_URL"], "REDIS_URL": os.environ["REDIS_URL"],
            "LOG_LEVEL": "WARNING", **extra}


def start_worker(ctx: Context, name: str = "worker", args: tuple[str, ...] = (),
                 **extra_env: str) -> Process:
    """`python manage.py worker`, the production profile, on the benchmark's DB and Redis
    (`args` and `extra_env` only for the diagnosis variants)."""
    return Process(name, [sys.executable, "manage.py", "worker", *args], ctx.log_dir,
                   service_env(**extra_env))


def heartbeat() -> dict[str, Any] | None:
    raw = redis_client().get(HEARTBEAT_KEY)
    return json.loads(raw) if raw else None


def wait_for_ticks(worker: Process, ticks: int = 3, timeout: float = 60) -> list[dict[str, Any]]:
    """Wait until `worker`'s dispatcher has written `ticks` heartbeats; return them."""
    seen: dict[float, dict[str, Any]] = {}
    deadline = time.monotonic() + timeout
    while len(seen) < ticks:
        worker.check_alive()
        if time.monotonic() > deadline:
            raise RuntimeError(f"{worker.name} wrote no dispatcher heartbeat in {timeout:.0f} s")
        beat = heartbeat()
        if beat and beat.get("pid") == worker.pid:
            seen[beat["at"]] = beat
        time.sleep(0.1)
    return list(seen.values())


def wait_for_port(port: int, process: Process, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        process.check_alive()
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{process.name} did not listen on port {port} in {timeout:.0f} s")


# --- the machine

def machine() -> dict[str, Any]:
    import platform

    import django

    cpu = "unknown"
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as meminfo:
        ram_kb = int(meminfo.readline().split()[1])
    info = redis_client().info("server")
    return {
        "cpu": cpu, "cores": os.cpu_count(), "ram_gb": round(ram_kb / 1_048_576, 1),
        "python": platform.python_version(), "django": django.get_version(),
        "postgresql": scalar("SHOW server_version"), "redis": info.get("redis_version"),
        "kernel": platform.release(),
    }


def git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                             capture_output=True, text=True, timeout=10)
    except OSError:
        return "unknown"
    return out.stdout.strip() or "unknown"


def cpu_busy(seconds: float = 5.0) -> float:
    """The share of all CPUs busy (not idle, not waiting on I/O) over `seconds`, from
    /proc/stat: taken while the bench runs nothing, it is the machine's other work."""

    def read() -> tuple[int, int]:
        with open("/proc/stat") as stat:
            fields = [int(v) for v in stat.readline().split()[1:]]
        idle = fields[3] + fields[4]
        return sum(fields), idle

    total0, idle0 = read()
    time.sleep(seconds)
    total1, idle1 = read()
    return 1 - (idle1 - idle0) / max(total1 - total0, 1)


def load_average() -> tuple[float, float, float]:
    return os.getloadavg()


def say(text: str) -> None:
    print(text, flush=True)


def splice(markdown: Path, lines: list[str]) -> None:
    """Replace a scenario's section of an existing report, or add it at the end: `lines`
    begins and ends with the section's markers."""
    start, end = lines[0], lines[-1]
    block = "\n".join(lines)
    text = markdown.read_text() if markdown.exists() else "# PulseRx benchmarks\n"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    markdown.write_text(text)


def run_alone(run: Callable[[Context], dict[str, Any]],
              section: Callable[[dict[str, Any]], list[str]]) -> None:
    """`python -m bench.<scenario>`: run one scenario and rewrite only its own section of
    docs/benchmarks.md."""
    database_url, redis_url = configure_environment()
    setup_django(database_url)
    ctx = Context(sizes=Sizes(), quick=False, out_dir=ROOT / "docs",
                  log_dir=ROOT / "var" / "bench" / "logs", database_url=database_url,
                  redis_url=redis_url)
    splice(ctx.out_dir / "benchmarks.md", section(run(ctx)))
    say(f"wrote its section of {ctx.out_dir / 'benchmarks.md'}")
