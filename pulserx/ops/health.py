"""What `/healthz` and `manage.py doctor` report: one `collect()` both read.

Everything here is a count, an age, a latency or a process id: no names, no patients, nothing
a stranger reading `/healthz` could learn health data from. Each probe catches its own
failure, so a Redis or database outage is reported as such instead of raising.
"""

from __future__ import annotations

import functools
import json
import time
from typing import TypedDict

import redis
from django.conf import settings
from django.db import Error as DatabaseError
from django.db import connection
from django.db.models import Min
from django.utils import timezone

from pulserx.celery import app
from pulserx.dispatch.worker import HEARTBEAT_KEY
from pulserx.reminders.models import Dose, DoseStatus

# Kombu's Redis transport keeps a queue's prioritised messages in sibling lists named
# "<queue>\x06\x16<priority>"; unprioritised tasks (all of ours) go to the bare name.
_PRIORITY_SEP = "\x06\x16"
_PRIORITY_STEPS = (3, 6, 9)
# Render gives a health check 5 s; a probe must give up well before that.
_REDIS_TIMEOUT_S = 1.0


class Probe(TypedDict):
    ok: bool
    latency_ms: float | None


class Dispatcher(TypedDict):
    alive: bool
    last_tick_age_s: float | None
    last_tick_took_ms: float | None
    reminded_last_batch: int | None
    rss_mb: float | None
    pid: int | None


class Memory(TypedDict):
    rss_mb: float | None
    budget_mb: int
    limit_mb: int


class TzDatabaseInfo(TypedDict):
    version: str             # the release this process reads (pulserx.tzdb)
    source: str
    planned_with: str | None  # the release the worker last planned doses with


class Health(TypedDict):
    healthy: bool
    problems: list[str]  # each makes the verdict unhealthy
    warnings: list[str]  # worth an operator's look, but the service still works
    database: Probe
    redis: Probe
    dispatcher: Dispatcher
    oldest_due_dose_age_s: float | None
    queue_depth: int | None
    memory: Memory
    tz_database: TzDatabaseInfo


@functools.lru_cache(maxsize=8)
def redis_at(url: str) -> redis.Redis:
    """A client with short timeouts, one pool per URL (settings may point elsewhere in tests)."""
    return redis.Redis.from_url(url, socket_connect_timeout=_REDIS_TIMEOUT_S,
                                socket_timeout=_REDIS_TIMEOUT_S)


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def probe_database() -> Probe:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return Probe(ok=False, latency_ms=None)
    return Probe(ok=True, latency_ms=_ms_since(started))


def probe_redis() -> tuple[Probe, bytes | None]:
    """PING the Redis in REDIS_URL and read the dispatcher's heartbeat from it."""
    client = redis_at(settings.REDIS_URL)
    started = time.perf_counter()
    try:
        client.ping()
        latency = _ms_since(started)
        heartbeat = client.get(HEARTBEAT_KEY)
    except redis.RedisError:
        return Probe(ok=False, latency_ms=None), None
    return Probe(ok=True, latency_ms=latency), heartbeat  # type: ignore[return-value]


def read_heartbeat(raw: bytes | None, now: float) -> Dispatcher:
    """The dispatcher's last tick as written by `pulserx.dispatch.worker.TickThread.beat`."""
    try:
        beat = json.loads(raw) if raw else None
        at = float(beat["at"]) if beat else None
    except (ValueError, TypeError, KeyError):
        beat, at = None, None
    if beat is None or at is None:
        return Dispatcher(alive=False, last_tick_age_s=None, last_tick_took_ms=None,
                          reminded_last_batch=None, rss_mb=None, pid=None)
    age = max(0.0, now - at)
    max_age = settings.PULSERX_HEALTH_MAX_TICK_AGE.total_seconds()
    return Dispatcher(
        alive=age <= max_age,
        last_tick_age_s=round(age, 1),
        last_tick_took_ms=_number(beat.get("took"), scale=1000),
        reminded_last_batch=_integer(beat.get("reminded")),
        rss_mb=_number(beat.get("rss_mb")),
        pid=_integer(beat.get("pid")),
    )


def _number(value: object, scale: float = 1) -> float | None:
    return round(float(value) * scale, 1) if isinstance(value, int | float) else None


def _integer(value: object) -> int | None:
    return value if isinstance(value, int) else None


def oldest_due_dose_age() -> float | None:
    """Seconds the longest-waiting due, undelivered dose has waited; None when none waits."""
    now = timezone.now()
    try:
        oldest = (Dose.objects.filter(status=DoseStatus.SCHEDULED, next_action_at__lte=now)
                  .aggregate(oldest=Min("next_action_at"))["oldest"])
    except DatabaseError:
        return None
    return None if oldest is None else round((now - oldest).total_seconds(), 1)


def broker_redis_url() -> str | None:
    """The broker as a redis-py URL, or None when the broker is not Redis (e.g. RabbitMQ)."""
    url: str = settings.CELERY_BROKER_URL
    if url.startswith("redis+socket://"):
        return "unix://" + url.removeprefix("redis+socket://")
    if url.startswith(("redis://", "rediss://")):
        return url
    return None


def queue_depth() -> int | None:
    """Messages waiting in the default Celery queue; None when it cannot be read."""
    url = broker_redis_url()
    if url is None:
        return None
    queue: str = app.conf.task_default_queue
    pipe = redis_at(url).pipeline(transaction=False)
    for name in [queue, *(f"{queue}{_PRIORITY_SEP}{step}" for step in _PRIORITY_STEPS)]:
        pipe.llen(name)
    try:
        return sum(pipe.execute())
    except redis.RedisError:
        return None


def collect() -> Health:
    database = probe_database()
    redis_probe, raw_heartbeat = probe_redis()
    dispatcher = read_heartbeat(raw_heartbeat, time.time())
    memory = Memory(rss_mb=dispatcher["rss_mb"], budget_mb=settings.PULSERX_WORKER_MAX_RSS_MB,
                    limit_mb=settings.PULSERX_WORKER_MEMORY_LIMIT_MB)
    oldest = oldest_due_dose_age() if database["ok"] else None
    # Usually the broker is that same Redis: when it just failed, don't wait on it twice.
    broker_is_down = not redis_probe["ok"] and broker_redis_url() == settings.REDIS_URL
    problems = verdict_problems(database, redis_probe, dispatcher)
    return Health(
        healthy=not problems, problems=problems, warnings=warnings_for(memory, oldest),
        database=database, redis=redis_probe, dispatcher=dispatcher,
        oldest_due_dose_age_s=oldest, queue_depth=None if broker_is_down else queue_depth(),
        memory=memory, tz_database=tz_database_info(database["ok"]),
    )


def tz_database_info(database_ok: bool) -> TzDatabaseInfo:
    from pulserx.reminders.models import TzDatabaseSeen
    from pulserx.tzdb import in_use

    used = in_use()
    planned = (TzDatabaseSeen.objects.filter(pk=1).values_list("version", flat=True).first()
               if database_ok else None)
    return TzDatabaseInfo(version=used.version, source=used.source, planned_with=planned)


def verdict_problems(database: Probe, redis_probe: Probe, dispatcher: Dispatcher) -> list[str]:
    problems = []
    if not database["ok"]:
        problems.append("database unreachable")
    if not redis_probe["ok"]:
        problems.append("redis unreachable")
    if dispatcher["last_tick_age_s"] is None:
        problems.append("no dispatcher heartbeat")
    elif not dispatcher["alive"]:
        problems.append("dispatcher heartbeat is stale")
    return problems


def warnings_for(memory: Memory, oldest_due_s: float | None) -> list[str]:
    warnings: list[str] = []
    if memory["rss_mb"] is not None and memory["rss_mb"] > memory["budget_mb"]:
        warnings.append("worker memory is over its budget")
    max_age = settings.PULSERX_HEALTH_MAX_TICK_AGE.total_seconds()
    if oldest_due_s is not None and oldest_due_s > max_age:
        warnings.append("due doses are waiting to be delivered")
    return warnings
