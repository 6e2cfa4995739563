"""Soak: many deliveries through one worker, in waves of due doses; does its RSS grow?

RSS is read after every wave (every 10,000 deliveries at full size) once the wave is
committed and published; the 50 ms sampler keeps the whole curve for the plot.
"""

from __future__ import annotations

import time
from typing import Any

from bench import harness, observe
from bench.burst import wait_delivered
from bench.harness import Context, say


def run(ctx: Context) -> dict[str, Any]:
    sizes = ctx.sizes
    total = sizes.soak_waves * sizes.soak_wave
    say(f"\n== soak: {total:,} deliveries in {sizes.soak_waves} waves of {sizes.soak_wave:,}")
    harness.reset_all()
    people = harness.seed_patients(sizes.patients)
    counter = observe.EventCounter(p.user_id for p in people)
    worker = harness.start_worker(ctx, "soak-worker")
    sampler = observe.RssSampler(worker.pid)
    waves: list[dict[str, Any]] = []
    try:
        harness.wait_for_ticks(worker, ticks=5)
        origin = time.time()
        idle = sampler.settled(2.0)
        say(f"idle RSS before the first wave: {idle:.1f} MB")
        for wave in range(sizes.soak_waves):
            due = harness.next_whole_second(time.time() + 1.0)
            first, last = harness.insert_doses(
                harness.due_burst(people, sizes.soak_wave, harness.as_datetime(due)))
            outcome = wait_delivered(first, last, counter, counter.count(), due, timeout=120,
                                     worker=worker)
            if outcome["committed_s"] is None or outcome["published_s"] is None:
                raise RuntimeError(f"wave {wave + 1} was not fully delivered: {outcome}")
            harness.sleep_until(harness.next_whole_second(time.time()) + 0.5)  # one idle tick
            rss = sampler.current()
            waves.append({"wave": wave + 1, "deliveries": (wave + 1) * sizes.soak_wave,
                          "rss_mb": round(rss, 1), "committed_s": outcome["committed_s"],
                          "published_s": outcome["published_s"]})
            say(f"  wave {wave + 1:>2}: {(wave + 1) * sizes.soak_wave:>7,} delivered, "
                f"committed in {outcome['committed_s']:.2f} s, published in "
                f"{outcome['published_s']:.2f} s, RSS {rss:.1f} MB")
        hwm = observe.read_status(worker.pid)["VmHWM"]
    finally:
        sampler.stop()
        counter.stop()
        worker.stop()
    growth_after_first = round(waves[-1]["rss_mb"] - waves[0]["rss_mb"], 1)
    growth_from_idle = round(waves[-1]["rss_mb"] - idle, 1)
    say(f"RSS growth over the soak: {growth_after_first:+.1f} MB from wave 1 to wave "
        f"{len(waves)} ({growth_from_idle:+.1f} MB from idle); VmHWM {hwm:.1f} MB")
    return {"deliveries": total, "waves": waves, "idle_rss_mb": round(idle, 1),
            "hwm_mb": round(hwm, 1), "growth_mb": growth_after_first,
            "growth_from_idle_mb": growth_from_idle,
            "slowest_wave_s": max(w["published_s"] for w in waves),
            "rss_series": sampler.series(origin)}
