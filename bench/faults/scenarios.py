"""The faults, one function each. Every scenario starts from an empty dose table, runs real
workers through its fault, waits for the doses to drain and returns the database's census
plus what it observed of the fault itself (so a fault that missed its moment shows)."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.faults import census, rig
from bench.faults.rig import Rig
from bench.faults.services import CuttableLink

Outcome = tuple[census.Census, dict[str, Any]]


RESTART_LINE = "the worker stopped without being asked to"  # manage.py worker's own words


def _finish(r: Rig, start: Any, facts: dict[str, Any]) -> Outcome:
    facts["drain_s"] = rig.drain(r, r.scale.drain_timeout)
    facts["self_restarts"] = sum(w.output().count(RESTART_LINE) for w in r.workers)
    facts["workers_died"] = r.stop_workers()
    return census.count(start), facts


def sigkill(r: Rig) -> Outcome:
    """The worker SIGKILLed while it holds a claim, `kills` times in a row, doses coming due
    all the while: each restart faces the burst that piled up while it was down. A killed
    worker's claim is taken again when its lease runs out."""
    start = rig.seed(r, r.scale.steady, window=r.scale.window)
    known: set[str] = set()
    inside = 0
    for _ in range(r.scale.kills):
        worker = r.worker(ready=False)
        fresh = rig.wait_for_new_claim(known)
        rig.kill(worker)
        held = rig.claim_tokens()
        inside += bool(fresh & held)  # that batch never committed
        known |= held
    r.worker()
    return _finish(r, start, {"kills": r.scale.kills, "kills_inside_a_batch": inside})


def _steady(r: Rig, fault: Callable[[], dict[str, Any]], **worker_env: str) -> Outcome:
    """Doses due steadily over the window; `fault` runs from a fifth of the way in."""
    r.worker(**worker_env)
    start = rig.seed(r, r.scale.steady, window=r.scale.window)
    time.sleep(2 + r.scale.window / 5)
    return _finish(r, start, fault())


def postgres(r: Rig) -> Outcome:
    """The worker's connections terminated mid-batch three times, then the server crashed
    (`pg_ctl -m immediate`), down for the outage, and started again."""

    def fault() -> dict[str, Any]:
        terminated = inside = 0
        for _ in range(3):
            fresh = rig.wait_for_new_claim(rig.claim_tokens(), timeout=10)
            terminated += _terminate_backends()
            inside += bool(fresh & rig.claim_tokens())  # that batch never committed
            time.sleep(1)
        r.postgres.crash()
        time.sleep(r.scale.outage)
        r.postgres.start()
        rig.reconnect()
        return {"backends_terminated": terminated, "terminations_inside_a_batch": inside,
                "server_down_s": r.scale.outage}

    return _steady(r, fault)


def _terminate_backends() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                       "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                       "AND backend_type = 'client backend'")
        return int(cursor.fetchone()[0])


def redis(r: Rig) -> Outcome:
    """redis-server SIGKILLed under load, gone for the outage, started again empty."""

    def fault() -> dict[str, Any]:
        r.redis.kill()
        time.sleep(r.scale.outage)
        r.redis.start()
        return {"redis_down_s": r.scale.outage}

    return _steady(r, fault)


def netcut(r: Rig) -> Outcome:
    """The worker reaches Redis through a link that goes silent for the outage (no resets:
    bytes and new connections just get no answer) while PostgreSQL stays reachable."""
    link = CuttableLink(r.redis.port)

    def fault() -> dict[str, Any]:
        link.cut()
        time.sleep(r.scale.outage)
        link.heal()
        return {"link_cut_s": r.scale.outage}

    try:
        return _steady(r, fault, redis_url=f"redis://127.0.0.1:{link.port}/0")
    finally:
        link.close()


def clock(r: Rig) -> Outcome:
    """The worker's wall clock stepped 1 h back for the outage, then right, then 1 h
    forward for the outage, then right again (time-machine in the worker process)."""
    control = Path(tempfile.mkstemp(prefix="pulserx-faults-clock-")[1])
    control.write_text("0")

    def fault() -> dict[str, Any]:
        for offset in (-3600, 0, 3600, 0):
            control.write_text(str(offset))
            time.sleep(r.scale.outage if offset else r.scale.window / 5)
        return {"steps": "-1 h, back, +1 h, back", "held_s": r.scale.outage}

    try:
        return _steady(r, fault, wrapper=("-m", "bench.faults.clocked", str(control)))
    finally:
        control.unlink(missing_ok=True)


def race(workers: int) -> Callable[[Rig], Outcome]:
    def run(r: Rig) -> Outcome:
        for _ in range(workers):
            r.worker()
        start = rig.seed(r, r.scale.race, lead=5.0 if r.scale.race > 20_000 else 2.0)
        return _finish(r, start, {"workers": workers})

    run.__doc__ = f"{workers} workers claiming from the same burst of doses."
    return run


SCENARIOS: dict[str, Callable[[Rig], Outcome]] = {
    "sigkill": sigkill,
    "postgres": postgres,
    "redis": redis,
    "netcut": netcut,
    "clock": clock,
    "race2": race(2),
    "race3": race(3),
}
