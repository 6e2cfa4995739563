"""Pending: the idle worker's RSS with no future doses, then with a million of them.

The design promises that worker memory does not depend on how many doses are pending (none
wait in RAM: they are rows). Two fresh workers, same patients and schedules; between them,
1,000,000 Dose rows due next month are COPYed in.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from bench import harness, observe
from bench.harness import Context, Person, say

SPACING = timedelta(minutes=40)


def future_doses(people: list[Person], count: int,
                 start: float) -> Iterator[tuple[Person, datetime, bool]]:
    """`count` doses, due from a month after `start`, spread evenly over the schedules."""
    per_schedule = -(-count // len(people))
    base = harness.as_datetime(start) + timedelta(days=30)
    made = 0
    for n in range(per_schedule):
        due_at = base + n * SPACING
        for person in people:
            if made == count:
                return
            yield person, due_at, True
            made += 1


def idle_worker(ctx: Context, name: str) -> dict[str, Any]:
    worker = harness.start_worker(ctx, name)
    sampler = observe.RssSampler(worker.pid)
    try:
        beats = harness.wait_for_ticks(worker, ticks=5)
        rss = sampler.settled(3.0)
        beats += harness.wait_for_ticks(worker, ticks=2)
        hwm = observe.read_status(worker.pid)["VmHWM"]
    finally:
        sampler.stop()
        worker.stop()
    took = max(beat["took"] for beat in beats)
    return {"rss_mb": round(rss, 1), "hwm_mb": round(hwm, 1), "tick_took_max_s": round(took, 4),
            "rss_series": sampler.series(sampler.samples[0][0] if sampler.samples else 0)}


def run(ctx: Context) -> dict[str, Any]:
    count = ctx.sizes.pending
    say(f"\n== pending: idle worker RSS with 0 vs {count:,} future doses")
    harness.reset_all()
    people = harness.seed_patients(ctx.sizes.patients)
    empty = idle_worker(ctx, "pending-0-worker")
    say(f"0 future doses: worker RSS {empty['rss_mb']} MB (VmHWM {empty['hwm_mb']} MB), "
        f"slowest tick {empty['tick_took_max_s'] * 1000:.1f} ms")
    started = time.time()
    first, last = harness.insert_doses(future_doses(people, count, started))
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE reminders_dose")
    inserted = time.time() - started
    stored = harness.scalar("SELECT count(*) FROM reminders_dose WHERE status = 'scheduled'")
    say(f"COPYed {last - first + 1:,} doses (due in 30-{30 + count // len(people) * 40 // 1440}"
        f" days) in {inserted:.1f} s; {stored:,} scheduled rows in the table")
    full = idle_worker(ctx, "pending-1m-worker")
    say(f"{count:,} future doses: worker RSS {full['rss_mb']} MB (VmHWM {full['hwm_mb']} MB), "
        f"slowest tick {full['tick_took_max_s'] * 1000:.1f} ms")
    difference = round(full["rss_mb"] - empty["rss_mb"], 1)
    say(f"difference: {difference:+.1f} MB")
    return {"doses": count, "stored": stored, "insert_s": round(inserted, 1), "empty": empty,
            "full": full, "difference_mb": difference}
