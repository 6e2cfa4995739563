"""Rival: the same burst as procrastinate jobs (bench/rival_app.py), in the same run, with
the same patients and data.

The same number of doses due in one second; one procrastinate job per dose, deferred in bulk
ahead of time with `schedule_at` at the due second. The worker is procrastinate's own CLI at
several concurrencies (its jobs are sync Django code, run in threads); the fastest is its
best. Its fetch polling interval is set to 0.1 s, not the default 5 s: procrastinate's
LISTEN/NOTIFY wakes a worker when a job is deferred, not when a scheduled job comes due, so
scheduled jobs wait for the next poll. Measured as the PulseRx burst is: from the due second
until every dose is committed with its inbox row and every live event has arrived.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from bench import harness, observe
from bench.burst import wait_delivered
from bench.harness import Context, Person, say

PROCRASTINATE = str(Path(sys.executable).parent / "procrastinate")
CONCURRENCIES = (4, 16)  # 1 is far slower (≈ 35 jobs/s here) and 8 sat between them
POLLING_INTERVAL = 0.1
TIMEOUT = 120.0  # seconds to wait for one run; slower runs are extrapolated, and say so
TABLES = ("procrastinate_jobs", "procrastinate_events", "procrastinate_periodic_defers",
          "procrastinate_workers")


def ensure_schema() -> None:
    from django.db import connection
    from procrastinate.schema import SchemaManager

    if harness.scalar("SELECT to_regclass('procrastinate_jobs')") is None:
        with connection.cursor() as cursor:
            cursor.execute(SchemaManager.get_schema())
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE")


def start_worker(ctx: Context, concurrency: int) -> harness.Process:
    argv = [PROCRASTINATE, "--app=bench.rival_app.app", "--log-level=warning", "worker",
            "--queues=reminders", f"--concurrency={concurrency}",
            f"--fetch-job-polling-interval={POLLING_INTERVAL}"]
    worker = harness.Process(f"procrastinate-c{concurrency}", argv, ctx.log_dir,
                             harness.service_env(PYTHONPATH=str(harness.ROOT)))
    deadline = time.monotonic() + 60
    while not harness.scalar("SELECT count(*) FROM procrastinate_workers"):
        worker.check_alive()
        if time.monotonic() > deadline:
            raise RuntimeError("the procrastinate worker never registered")
        time.sleep(0.2)
    return worker


def defer_jobs(first: int, last: int, due: float) -> float:
    from bench.rival_app import app, remind

    started = time.time()
    with app.open():
        deferrer = remind.configure(schedule_at=harness.as_datetime(due))
        ids = list(range(first, last + 1))
        for start in range(0, len(ids), 1000):
            deferrer.batch_defer(*({"dose_id": i} for i in ids[start:start + 1000]))
    return time.time() - started


def measure(ctx: Context, people: list[Person], counter: observe.EventCounter,
            concurrency: int) -> dict[str, Any]:
    count = ctx.sizes.rival
    harness.truncate_doses()
    ensure_schema()
    worker = start_worker(ctx, concurrency)
    sampler = observe.RssSampler(worker.pid)
    try:
        idle = sampler.settled(2.0)
        due = harness.next_whole_second(time.time() + 3 + count / 2_000)
        first, last = harness.insert_doses(
            harness.due_burst(people, count, harness.as_datetime(due)), for_dispatcher=False)
        deferring = defer_jobs(first, last, due)
        if time.time() > due - 0.1:
            raise RuntimeError("deferring the jobs took past their due second")
        since = counter.count()
        outcome = wait_delivered(first, last, counter, since, due, timeout=TIMEOUT)
        worker.check_alive()
        time.sleep(1.0)
        peak = sampler.peak(due - 1.0, time.time())
        hwm = observe.read_status(worker.pid)["VmHWM"]
    finally:
        sampler.stop()
        worker.stop()
    outcome.pop("ticks")
    per_dose: dict[int, int] = {}
    for _, _, event in counter.since(since):
        per_dose[event.get("dose_id")] = per_dose.get(event.get("dose_id"), 0) + 1
    jobs_run = harness.scalar("SELECT count(*) FROM procrastinate_jobs WHERE status = "
                              "'succeeded'")
    return {"concurrency": concurrency, "doses": count, "defer_s": round(deferring, 2),
            "idle_rss_mb": round(idle, 1), "peak_rss_mb": round(peak, 1),
            "hwm_mb": round(hwm, 1), "jobs_succeeded": jobs_run,
            "duplicate_live_events": sum(n - 1 for n in per_dose.values() if n > 1),
            "duplicate_inbox_rows": outcome["notifications"] - outcome["distinct_doses_in_events"]
            if outcome["committed_s"] is not None else None,
            "load": harness.load_average(), **outcome}


def run(ctx: Context) -> dict[str, Any]:
    count = ctx.sizes.rival
    say(f"\n== rival: {count:,} doses due in one second as procrastinate jobs "
        f"(concurrency {', '.join(map(str, CONCURRENCIES))})")
    harness.reset_all()
    people = harness.seed_patients(ctx.sizes.patients)
    counter = observe.EventCounter(p.user_id for p in people)
    runs = []
    try:
        for concurrency in CONCURRENCIES:
            result = measure(ctx, people, counter, concurrency)
            runs.append(result)
            say(f"  concurrency {concurrency}: deferred in {result['defer_s']} s; committed "
                f"{result['committed_s']} s, last live event {result['published_s']} s after "
                f"the due second (first {result['first_event_s']} s); RSS idle "
                f"{result['idle_rss_mb']} MB, peak {result['peak_rss_mb']} MB; "
                f"{result['duplicate_live_events']} duplicate events; load "
                f"{result['load'][0]:.2f}")
    finally:
        counter.stop()
    best = best_of({"runs": runs})
    say(f"procrastinate at its best (concurrency {best['concurrency']}): "
        f"{best['published_s']} s")
    harness.reset_all()
    return {"doses": count, "runs": runs, "best": best}


def total_time(run: dict[str, Any]) -> tuple[float | None, bool]:
    """(seconds until all were delivered, extrapolated?): a run cut off at the time limit
    is projected from the rate it reached."""
    if run["published_s"] is not None:
        return run["published_s"], False
    if run["committed_s"] is not None:  # all committed; some live events never arrived
        return run["committed_s"], False
    done = run["notified"]
    return (round(run["doses"] * TIMEOUT / done, 1) if done else None), True


def best_of(result: dict[str, Any]) -> dict[str, Any]:
    """The fastest run, with its time (measured or extrapolated) under `total_s`."""
    runs = [{**r, "total_s": total_time(r)[0], "extrapolated": total_time(r)[1]}
            for r in result["runs"]]
    timed = [r for r in runs if r["total_s"] is not None]
    return min(timed, key=lambda r: r["total_s"]) if timed else runs[-1]


def time_text(run: dict[str, Any]) -> str:
    from bench.report import fmt

    total, extrapolated = total_time(run)
    if run["published_s"] is None and run["committed_s"] is not None:
        return (f"{fmt(total, ' s', 2)} committed ({run['events']:,} of {run['doses']:,} live "
                "events arrived)")
    if not extrapolated:
        return fmt(total, " s", 2)
    return (f"{fmt(total, ' s')} (extrapolated: {run['notified']:,} done in {TIMEOUT:g} s)")


def section(result: dict[str, Any]) -> list[str]:
    from bench.report import fmt, table

    rows = [(str(r["concurrency"]), fmt(r["committed_s"], " s", 2),
             time_text(r), fmt(r["first_event_s"], " s", 2),
             fmt(r["idle_rss_mb"], " MB"), fmt(r["peak_rss_mb"], " MB"),
             f"{r['events']:,}", str(r["duplicate_live_events"]), f"{r['load'][0]:.2f}")
            for r in result["runs"]]
    return ["## procrastinate, side by side", "",
            f"The same {result['doses']:,} doses due in one second, same patients and data, "
            "as procrastinate 3.10 jobs (`bench/rival_app.py`): deferred ahead in batches with "
            "`schedule_at` at the due second; each job marks its dose notified and writes its "
            "inbox row in one transaction, then publishes its live event through the "
            "product's publisher. Worker: `procrastinate worker --concurrency=N "
            f"--fetch-job-polling-interval={POLLING_INTERVAL}` (the default interval is 5 s, "
            "and NOTIFY wakes a worker only when a job is deferred, not when a scheduled one "
            "comes due). A run is given "
            f"{TIMEOUT:g} s; one that has not finished by then is extrapolated from its rate. "
            "The fastest concurrency is the one compared in the table above.", "",
            table(("concurrency", "committed", "all published", "first event", "RSS idle",
                   "RSS peak", "live events", "duplicate events", "load (1 min)"), rows)]
