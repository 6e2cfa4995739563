"""`python manage.py doctor`: the health report as plain verdicts; exit status 1 if any is bad.

Beyond what `/healthz` reads, the doctor proves a worker is *consuming*: it sends the
`pulserx.ops.tasks.ping` task through the broker and waits for the worker's answer in Redis.
"""

from __future__ import annotations

import secrets
import sys
import time
from dataclasses import dataclass
from typing import Any

import redis
from django.conf import settings
from django.core.management.base import BaseCommand
from kombu.exceptions import KombuError

from pulserx.ops.health import Health, broker_redis_url, collect, redis_at
from pulserx.ops.tasks import PING_KEY, ping

Verdict = tuple[bool, str]  # (fine, the line an operator reads)


@dataclass
class PingResult:
    answered_ms: float | None  # None: no answer in time, or never sent
    error: str = ""


def ping_worker(timeout: float) -> PingResult:
    """Send a ping task and wait up to `timeout` seconds for a worker to run it."""
    token = secrets.token_hex(8)
    key = PING_KEY.format(token=token)
    client = redis_at(settings.REDIS_URL)
    started = time.monotonic()
    try:
        # No publish retries (a down broker must not stall the doctor) and an expiry, so a
        # worker that starts later drops the ping instead of answering nobody.
        ping.apply_async((token,), retry=False, expires=max(timeout, 1) * 6)
    except (KombuError, OSError, redis.RedisError):
        return PingResult(None, "could not send it: the broker is unreachable")
    try:
        while time.monotonic() - started < timeout:
            if client.get(key) is not None:
                client.delete(key)
                return PingResult(round((time.monotonic() - started) * 1000))
            time.sleep(0.02)
    except redis.RedisError:
        return PingResult(None, "lost Redis while waiting for the answer")
    return PingResult(None, f"no answer within {timeout:g} s")


def infrastructure(report: Health) -> list[Verdict]:
    database, store = report["database"], report["redis"]
    return [
        (True, f"database: ok ({database['latency_ms']} ms)") if database["ok"]
        else (False, "database: DOWN (could not run SELECT 1; check DATABASE_URL)"),
        (True, f"redis: ok ({store['latency_ms']} ms)") if store["ok"]
        else (False, "redis: DOWN (no answer; check REDIS_URL)"),
    ]


def tz_database(report: Health) -> list[Verdict]:
    tz = report["tz_database"]
    planned = tz["planned_with"]
    if planned is not None and planned != tz["version"]:
        return [(False, f"tz database: {tz['version']} here but doses were planned with "
                        f"{planned} (restart the worker to re-plan them)")]
    return [(True, f"tz database: {tz['version']} ({tz['source']}); doses planned with "
                   f"{planned or 'nothing yet'}")]


def worker(report: Health, pinged: PingResult | None) -> list[Verdict]:
    beat = report["dispatcher"]
    limit = settings.PULSERX_HEALTH_MAX_TICK_AGE.total_seconds()
    if not report["redis"]["ok"]:
        alive = (False, "worker alive: unknown (the heartbeat lives in Redis, which is down)")
    elif beat["last_tick_age_s"] is None:
        alive = (False, "worker alive: NO (no heartbeat; is `python manage.py worker` running?)")
    elif beat["alive"]:
        alive = (True, f"worker alive: yes (last tick {beat['last_tick_age_s']} s ago, "
                       f"pid {beat['pid']})")
    else:
        alive = (False, f"worker alive: NO (last tick {beat['last_tick_age_s']} s ago, "
                        f"pid {beat['pid']}; more than {limit:g} s means it is stuck or gone)")
    if pinged is None:
        consuming = (False, "worker consuming tasks: unknown (Redis is down)")
    elif pinged.answered_ms is None:
        consuming = (False, f"worker consuming tasks: NO ({pinged.error})")
    else:
        consuming = (True, f"worker consuming tasks: yes (ping answered in "
                           f"{pinged.answered_ms:g} ms)")
    if beat["reminded_last_batch"] is None:
        batch = (True, "last batch: none recorded")
    else:
        batch = (True, f"last batch: {beat['reminded_last_batch']} reminders in "
                       f"{beat['last_tick_took_ms']} ms")
    return [alive, consuming, batch]


def backlog(report: Health) -> list[Verdict]:
    memory = report["memory"]
    limits = f"the {memory['budget_mb']} MB budget ({memory['limit_mb']} MB limit)"
    if memory["rss_mb"] is None:
        used = (True, f"memory: unknown (no heartbeat) of {limits}")
    elif memory["rss_mb"] > memory["budget_mb"]:
        used = (False, f"memory: {memory['rss_mb']:.0f} MB, OVER {limits}; "
                       "the memory guard should be restarting the worker")
    else:
        used = (True, f"memory: {memory['rss_mb']:.0f} MB of {limits}")

    oldest = report["oldest_due_dose_age_s"]
    if not report["database"]["ok"]:
        waiting = (True, "oldest due dose waiting: unknown (the database is down)")
    elif oldest is None:
        waiting = (True, "oldest due dose waiting: none")
    else:
        late = oldest > settings.PULSERX_HEALTH_MAX_TICK_AGE.total_seconds()
        waiting = (not late, f"oldest due dose waiting: {oldest} s"
                             + (" (LATE: the dispatcher is not keeping up)" if late else ""))

    depth = report["queue_depth"]
    if depth is not None:
        queue = (True, f"queue depth: {depth}")
    elif broker_redis_url() is None:
        queue = (True, "queue depth: unknown (the broker is not Redis)")
    else:
        queue = (False, "queue depth: unknown (the broker is unreachable)")
    return [used, waiting, queue]


class Command(BaseCommand):
    help = ("Check the database, Redis, the worker and the reminder backlog; "
            "exit 1 if anything is wrong.")
    requires_system_checks: list[str] = []  # a doctor must run even when a check fails

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--ping-timeout", type=float, default=5.0,
                            help="Seconds to wait for a worker to answer the ping (default 5).")

    def handle(self, *args: Any, **options: Any) -> None:
        report = collect()
        pinged = ping_worker(options["ping_timeout"]) if report["redis"]["ok"] else None
        verdicts = [*infrastructure(report), *worker(report, pinged), *backlog(report),
                *tz_database(report)]
        for fine, line in verdicts:
            self.stdout.write(line if fine else self.style.ERROR(line))
        wrong = [line.split(":")[0] for fine, line in verdicts if not fine]
        if wrong:
            self.stdout.write(self.style.ERROR(f"{len(wrong)} wrong: {', '.join(wrong)}"))
            sys.exit(1)
        self.stdout.write(self.style.SUCCESS("all good"))
