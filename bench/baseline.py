"""Classic: the same burst (same patients, same number of doses due in one second) through
the approach PulseRx replaces (bench/classic.py), in the same run as the PulseRx burst.

Measured: the worker's RSS idle and while every eta task waits in its RAM, the time from the
due second until all are committed and published (extrapolated, and said so, when it does
not finish within the time limit), and how many reminders run twice after Redis re-delivers
eta messages held past the broker's visibility timeout.
"""

from __future__ import annotations

import itertools
import secrets
import sys
import time
from pathlib import Path
from typing import Any

from bench import harness, observe
from bench.burst import wait_delivered
from bench.harness import Context, Person, say

CELERY = str(Path(sys.executable).parent / "celery")


# Importing the project (its URLconf imports pulserx.ops.health, which imports
# pulserx.dispatch.worker) connects PulseRx's memory guard to Celery's task_postrun signal in
# *any* worker process; the classic system had no such guard, so its budget is set out of
# reach here.
NO_GUARD = {"PULSERX_WORKER_MAX_RSS_MB": "1000000"}


def start_classic_worker(ctx: Context, name: str, **extra_env: str) -> harness.Process:
    argv = [CELERY, "-A", "bench.classic", "worker", "--pool=solo", "--loglevel=WARNING",
            f"--hostname={name}@%h"]
    worker = harness.Process(name, argv, ctx.log_dir, harness.service_env(
        PYTHONPATH=str(harness.ROOT), **NO_GUARD, **extra_env))
    from bench.classic import ready

    token = secrets.token_hex(8)
    ready.delay(token)
    deadline = time.monotonic() + 60
    while not harness.redis_client().exists(f"bench:classic:ready:{token}"):
        worker.check_alive()
        if time.monotonic() > deadline:
            raise RuntimeError(f"{name} did not answer its readiness probe")
        time.sleep(0.1)
    return worker


def send_eta_tasks(first: int, last: int, due: float) -> float:
    """One task per dose, half with eta=, half with countdown=; returns seconds spent."""
    from bench.classic import remind

    eta = harness.as_datetime(due)
    started = time.time()
    for n, dose_id in enumerate(range(first, last + 1)):
        if n % 2:
            remind.apply_async((dose_id,), countdown=due - time.time())
        else:
            remind.apply_async((dose_id,), eta=eta)
    return time.time() - started


def wait_received(worker: harness.Process, until: float) -> float | None:
    """Wait until the worker has pulled every message off its queue (into RAM)."""
    from bench.classic import QUEUE

    client = harness.redis_client()
    while time.time() < until:
        worker.check_alive()
        if client.llen(QUEUE) == 0:
            return time.time()
        time.sleep(0.1)
    return None


def run(ctx: Context) -> dict[str, Any]:
    sizes = ctx.sizes
    count = sizes.classic
    say(f"\n== classic: {count:,} doses due in one second, one eta task each, "
        "celery --pool=solo")
    harness.reset_all()
    people = harness.seed_patients(sizes.patients)
    counter = observe.EventCounter(p.user_id for p in people)
    worker = start_classic_worker(ctx, "classic-worker")
    sampler = observe.RssSampler(worker.pid)
    try:
        idle = sampler.settled(2.0)
        say(f"classic worker idle RSS: {idle:.1f} MB")
        due = harness.next_whole_second(time.time() + 10 + count * 0.004)
        first, last = harness.insert_doses(
            harness.due_burst(people, count, harness.as_datetime(due)), for_dispatcher=False)
        sending = send_eta_tasks(first, last, due)
        say(f"sent {count:,} eta/countdown tasks in {sending:.2f} s; due at "
            f"{harness.as_datetime(due):%H:%M:%S}")
        received = wait_received(worker, due - 3)
        if received is not None:
            time.sleep(min(1.0, max(0.0, due - 3 - time.time())))
            waiting = sampler.settled(min(2.0, max(0.2, due - 2 - time.time())))
            say(f"worker holds all {count:,} eta tasks in RAM: RSS {waiting:.1f} MB "
                f"(+{waiting - idle:.1f} MB, {(waiting - idle) * 1024 / count:.1f} KB each)")
        else:
            waiting = sampler.current()
            say(f"the worker had not pulled every task before the due second; RSS then "
                f"{waiting:.1f} MB")
        outcome = wait_delivered(first, last, counter, counter.count(), due,
                                 timeout=sizes.classic_timeout, worker=worker)
        peak = sampler.peak(due - 1.0, time.time())
        hwm = observe.read_status(worker.pid)["VmHWM"]
    finally:
        sampler.stop()
        worker.stop(timeout=20)
    outcome.pop("ticks")
    result: dict[str, Any] = {
        "doses": count, "idle_rss_mb": round(idle, 1), "waiting_rss_mb": round(waiting, 1),
        "all_received_before_due": received is not None,
        "per_task_kb": round((waiting - idle) * 1024 / count, 2), "send_s": round(sending, 2),
        "peak_rss_mb": round(peak, 1), "hwm_mb": round(hwm, 1), **outcome,
        "rss_series": sampler.series(due),
    }
    result.update(extrapolate(result, count, sizes.classic_timeout))
    result["pace"] = pace(first, last)
    say(describe(result))
    say(f"pace: at most {result['pace']['max_per_second']} reminders in any one second; "
        f"{result['pace']['pauses']} pauses of 0.3 s or more between two reminders "
        f"(longest {result['pace']['longest_pause_s']} s)")
    counter.stop()
    result["duplicates"] = duplicates(ctx, people)
    return result


def extrapolate(result: dict[str, Any], count: int, timeout: float) -> dict[str, Any]:
    """When the run hit its time limit, project the full time from the measured rate."""
    if result["committed_s"] is not None and result["published_s"] is not None:
        return {"extrapolated": False, "total_s": result["published_s"]}
    done = result["notified"]
    rate = done / timeout if done else 0.0
    return {"extrapolated": True, "completed": done, "rate_per_s": round(rate, 1),
            "total_s": round(count / rate, 1) if rate else None}


def pace(first: int, last: int) -> dict[str, Any]:
    """How the reminders were spread in time (their Notification.created_at)."""
    from collections import Counter

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT extract(epoch FROM created_at) FROM notifications_notification "
                       "WHERE dose_id BETWEEN %s AND %s ORDER BY created_at", [first, last])
        times = [float(row[0]) for row in cursor]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    per_second = Counter(int(t) for t in times)
    return {"max_per_second": max(per_second.values(), default=0),
            "pauses": sum(1 for gap in gaps if gap >= 0.3),
            "longest_pause_s": round(max(gaps, default=0.0), 3)}


def describe(result: dict[str, Any]) -> str:
    if result["extrapolated"]:
        return (f"classic: only {result['completed']:,} of {result['doses']:,} done in the "
                f"time limit ({result['rate_per_s']}/s): all would take about "
                f"{result['total_s']} s (extrapolated)")
    return (f"classic: all {result['doses']:,} committed {result['committed_s']} s after the due "
            f"second, last live event at {result['published_s']} s; peak RSS "
            f"{result['peak_rss_mb']} MB")


def duplicates(ctx: Context, people: list[Person]) -> dict[str, Any]:
    """Eta tasks held longer than the broker's visibility timeout are delivered again. The
    real timeout is an hour and reminders are set up to a day ahead; here 5 s and ~20 s."""
    from bench.classic import RUNS_KEY

    count = ctx.sizes.duplicates
    harness.truncate_doses()
    harness.flush_redis()
    counter = observe.EventCounter(p.user_id for p in people)
    worker = start_classic_worker(ctx, "classic-redelivery-worker",
                                  CLASSIC_VISIBILITY_TIMEOUT="5", CLASSIC_RESTORE_INTERVAL="1",
                                  CLASSIC_RESTORE_THROTTLE="1")
    try:
        due = harness.next_whole_second(time.time() + 20)
        first, last = harness.insert_doses(
            harness.due_burst(people, count, harness.as_datetime(due)), for_dispatcher=False)
        send_eta_tasks(first, last, due)
        harness.sleep_until(due)
        wait_delivered(first, last, counter, 0, due, timeout=60, worker=worker)
        time.sleep(5)  # late copies
        runs = {int(k): int(v) for k, v in harness.redis_client().hgetall(RUNS_KEY).items()}
        failed_inserts = worker.output().count("raised unexpected: IntegrityError")
    finally:
        worker.stop(timeout=20)
        counter.stop()
    events: dict[int, int] = {}
    for _, _, event in counter.events:
        events[event.get("dose_id")] = events.get(event.get("dose_id"), 0) + 1
    notifications = harness.scalar(
        "SELECT count(*) FROM notifications_notification WHERE dose_id BETWEEN %s AND %s",
        [first, last])
    result = {
        "tasks": count, "executions": sum(runs.values()),
        "doses_run_more_than_once": sum(1 for n in runs.values() if n > 1),
        "extra_executions": sum(runs.values()) - len(runs),
        "live_events": sum(events.values()),
        "duplicate_live_events": sum(n - 1 for n in events.values() if n > 1),
        "notifications": notifications, "integrity_errors_logged": failed_inserts,
    }
    say(f"redelivery: {count} eta tasks (visibility timeout 5 s, eta 20 s) ran "
        f"{result['executions']} times; {result['doses_run_more_than_once']} reminders ran more "
        f"than once; {result['duplicate_live_events']} duplicate live events; "
        f"{notifications} inbox rows (the unique constraint refused the rest: "
        f"{failed_inserts} tasks failed with IntegrityError)")
    return result
