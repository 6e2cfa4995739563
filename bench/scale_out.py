"""Scale-out: 1, 2 and 4 real workers against one PostgreSQL and one Redis.

Two loads for each worker count:
- a burst of 100,000 doses due in the same second;
- a compressed morning peak: the doses of 1,000,000 patients x 3 a day (docs/scaling.md's
  zone and time mix, bench/scale.py) due from 12:00 to 14:59 UTC, with time compressed
  60x (an hour of the day passes in a minute) and each (zone, time) slot due in one second.

When a dose was delivered is read from the workers' own log lines ("delivered N reminders",
written after each batch has committed and published), so no subscriber competes with the
workers for the CPU. Claims take doses in due order, so the k-th dose delivered is taken to
be the k-th dose due (first in, first out); lateness is that delivery time minus its due
second. Exactly once: every dose notified with alerts_sent = 1, exactly one inbox row per
dose, and the workers' counts adding up to the number of doses.

While each run drains, CPU time is read from /proc for the workers, the PostgreSQL backends
of the benchmark database and Redis; pg_stat_activity is sampled for what backends wait on
(locks, WAL, I/O), and the WAL written is the LSN difference.
"""

from __future__ import annotations

import os
import re
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from bench import harness
from bench.harness import Context, Person, say
from bench.scale import ZONES, arrivals

PEAK_WINDOW = (12 * 3600, 15 * 3600)  # the busiest UTC hours of the simulated day
BATCH_LINE = re.compile(r"^(\S+ \S+) INFO pulserx\.dispatch delivered (\d+) reminders")
TICKS = float(os.sysconf("SC_CLK_TCK"))


# --- what the machine is doing meanwhile

def cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def redis_pid() -> int | None:
    info = harness.redis_client().info("server")
    return int(info["process_id"]) if info.get("process_id") else None


class Watcher(threading.Thread):
    """Samples what the benchmark database's backends wait on, every 100 ms."""

    def __init__(self, database: str) -> None:
        super().__init__(name="pg-watcher", daemon=True)
        self.database = database
        self.samples = 0
        self.waits: dict[str, int] = {}
        self.backends: set[int] = set()
        # CPU seconds of each backend when first and last seen: a backend that closes
        # before the run ends (connections are recycled) still counts.
        self.cpu_first: dict[int, float] = {}
        self.cpu_last: dict[int, float] = {}
        self._halt = threading.Event()
        self.start()

    def run(self) -> None:
        import psycopg
        from django.db import connection

        params = connection.get_connection_params()
        with psycopg.connect(**{k: v for k, v in params.items() if k != "cursor_factory"},
                             autocommit=True) as conn:
            while not self._halt.is_set():
                rows = conn.execute(
                    "SELECT pid, state, wait_event_type, wait_event FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()", [self.database]).fetchall()
                self.samples += 1
                for pid, state, kind, event in rows:
                    self.backends.add(pid)
                    used = cpu_seconds(pid)
                    self.cpu_first.setdefault(pid, used)
                    self.cpu_last[pid] = max(used, self.cpu_last.get(pid, 0.0))
                    if state == "active":
                        key = f"{kind}:{event}" if kind else "running (CPU)"
                        self.waits[key] = self.waits.get(key, 0) + 1
                self._halt.wait(0.1)

    def reset_cpu(self) -> None:
        """Count CPU from now on (called at the first due second)."""
        self.cpu_first = dict(self.cpu_last)

    def postgres_cpu(self) -> float:
        return sum(self.cpu_last[pid] - self.cpu_first.get(pid, 0.0) for pid in self.cpu_last)

    def stop(self) -> dict[str, Any]:
        self._halt.set()
        self.join(timeout=5)
        return {"samples": self.samples,
                "active_backends_by_wait": dict(sorted(self.waits.items(),
                                                       key=lambda kv: -kv[1])[:8])}


def wal_lsn() -> int:
    return int(harness.scalar("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn"))


# --- the loads

def peak_slots(compression: float, patients: int) -> list[tuple[float, int]]:
    """(seconds after the window opens, doses) for each slot of the morning peak."""
    scale = patients / 1_000_000
    due = arrivals()
    return [((second - PEAK_WINDOW[0]) / compression, round(count * scale))
            for second, count in sorted(due.items())
            if PEAK_WINDOW[0] <= second < PEAK_WINDOW[1]]


def insert_slots(people: list[Person], slots: list[tuple[float, int]], start: float
                 ) -> tuple[int, int, list[tuple[float, int]]]:
    """COPY every slot's doses, due at start + offset; return ids and (due, count) per slot."""

    def rows() -> Any:
        n = 0
        for offset, count in slots:
            due_at = harness.as_datetime(start + offset)
            for _ in range(count):
                yield people[n % len(people)], due_at, False
                n += 1

    first, last = harness.insert_doses(rows())
    return first, last, [(start + offset, count) for offset, count in slots]


def start_workers(ctx: Context, count: int, label: str) -> list[harness.Process]:
    workers = [harness.start_worker(ctx, f"scale-{label}-{count}w-{n}", LOG_LEVEL="INFO")
               for n in range(count)]
    deadline = time.monotonic() + 90
    for worker in workers:
        while " ready." not in worker.output():
            worker.check_alive()
            if time.monotonic() > deadline:
                raise RuntimeError(f"{worker.name} did not become ready")
            time.sleep(0.2)
    time.sleep(2.0)  # a few idle ticks
    return workers


def batches(worker: harness.Process) -> list[tuple[float, int]]:
    """(epoch, doses) of each batch the worker logged as delivered."""
    out = []
    for line in worker.output().splitlines():
        match = BATCH_LINE.match(line)
        if match:
            stamp = datetime.strptime(match.group(1), "%Y-%m-%d %H:%M:%S,%f").astimezone()
            out.append((stamp.timestamp(), int(match.group(2))))
    return out


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def lateness(due: list[tuple[float, int]], delivered: list[tuple[float, int]]) -> list[float]:
    """Per-dose lateness under first in, first out: the k-th delivered is the k-th due."""
    dues = [at for at, count in sorted(due) for _ in range(count)]
    times = [at for at, count in sorted(delivered) for _ in range(count)]
    return [max(0.0, t - d) for t, d in zip(times, dues, strict=False)]


def exactly_once(first: int, last: int) -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FILTER (WHERE status = 'notified' AND alerts_sent = 1), "
            "       count(*) FILTER (WHERE alerts_sent > 1) FROM reminders_dose "
            "WHERE id BETWEEN %s AND %s", [first, last])
        once, repeated = cursor.fetchone()
        cursor.execute(
            "SELECT count(*), count(DISTINCT dose_id) FROM notifications_notification "
            "WHERE dose_id BETWEEN %s AND %s", [first, last])
        rows, distinct = cursor.fetchone()
    return {"notified_once": once, "alerted_more_than_once": repeated,
            "inbox_rows": rows, "duplicate_inbox_rows": rows - distinct}


def run_load(ctx: Context, people: list[Person], workers_count: int, label: str,
             slots: list[tuple[float, int]], lead: float) -> dict[str, Any]:
    """Start the workers, insert the load due `lead` s ahead, wait until all is delivered."""
    harness.truncate_doses()
    harness.flush_redis()
    workers = start_workers(ctx, workers_count, label)
    try:
        start = harness.next_whole_second(time.time() + lead)
        inserting = time.time()
        first, last, due = insert_slots(people, slots, start)
        inserted = time.time()
        if inserted > start - 0.2:
            raise RuntimeError(f"inserting took {inserted - inserting:.1f} s, past the first "
                               "due second; raise the lead")
        total = last - first + 1
        watcher = Watcher(harness.scalar("SELECT current_database()"))
        pids = {"redis": [p for p in [redis_pid()] if p]}
        cpu0 = {w.pid: cpu_seconds(w.pid) for w in workers}
        harness.sleep_until(start)
        watcher.reset_cpu()
        redis0 = sum(cpu_seconds(p) for p in pids["redis"])
        wal0 = wal_lsn()
        timeout = start + max(o for o, _ in slots) + 600
        while sum(c for w in workers for _, c in batches(w)) < total:
            for worker in workers:
                worker.check_alive()
            if time.time() > timeout:
                raise RuntimeError(f"{label}: not all {total:,} delivered in time")
            time.sleep(0.2)
        ended = time.time()
        wal1 = wal_lsn()
        waits = watcher.stop()
        cpu = {"workers": sum(cpu_seconds(w.pid) - cpu0[w.pid] for w in workers),
               "postgres_backends": watcher.postgres_cpu(),
               "redis": sum(cpu_seconds(p) for p in pids["redis"]) - redis0}
    finally:
        for worker in workers:
            worker.stop()
    per_worker = [batches(w) for w in workers]
    delivered = [b for bs in per_worker for b in bs]
    late = lateness(due, delivered)
    last_at = max(t for t, _ in delivered)
    window = ended - start
    return {
        "workers": workers_count, "doses": total, "insert_s": round(inserted - inserting, 1),
        "last_delivered_s": round(last_at - start, 3),
        "doses_per_s": round(total / max(last_at - min(d for d, _ in due), 1e-3)),
        "per_worker": [{"doses": sum(c for _, c in bs),
                        "last_s": round(max((t for t, _ in bs), default=start) - start, 3)}
                       for bs in per_worker],
        "lateness_s": {"p50": round(percentile(late, 0.5), 3),
                       "p99": round(percentile(late, 0.99), 3), "max": round(max(late), 3)},
        "logged_total": sum(c for _, c in delivered), **exactly_once(first, last),
        "cpu_s": {k: round(v, 1) for k, v in cpu.items()}, "window_s": round(window, 1),
        "wal_mb": round((wal1 - wal0) / 1_048_576, 1), **waits,
        "load": harness.load_average(),
    }


def describe(label: str, r: dict[str, Any]) -> str:
    shares = ", ".join(f"{w['doses']:,}" for w in r["per_worker"])
    return (f"  {label}, {r['workers']} worker(s): {r['doses']:,} doses, last delivered "
            f"{r['last_delivered_s']} s after the first due second; {r['doses_per_s']:,} doses/s "
            f"({shares} per worker); lateness p50 {r['lateness_s']['p50']} s, p99 "
            f"{r['lateness_s']['p99']} s, max {r['lateness_s']['max']} s; duplicates: "
            f"{r['duplicate_inbox_rows']} inbox, {r['alerted_more_than_once']} re-alerted, "
            f"logged {r['logged_total']:,}; CPU s: {r['cpu_s']}; WAL {r['wal_mb']} MB; "
            f"waits {r['active_backends_by_wait']}; load {r['load'][0]:.2f}")


def lead_for(doses: int) -> float:
    """Seconds ahead to make `doses` due: COPY runs at ≈ 40,000 rows/s on a quiet machine
    and at a third of that on a busy one; the doses must all be in before they are due."""
    return 5 + doses / 8_000


def run(ctx: Context) -> dict[str, Any]:
    sizes = ctx.sizes
    say(f"\n== scale-out: {', '.join(map(str, sizes.scale_workers))} workers; "
        f"{sizes.scale_burst:,} doses due in one second, then the morning peak")
    harness.reset_all()
    people = harness.seed_patients(sizes.patients)
    patients = 1_000_000 if not ctx.quick else 10_000
    peak = peak_slots(sizes.peak_compression, patients)
    result: dict[str, Any] = {"burst": [], "peak": [], "peak_slots": peak,
                              "compression": sizes.peak_compression, "patients": patients,
                              "zones": ZONES}
    for count in sizes.scale_workers:
        measured = run_load(ctx, people, count, "burst", [(0.0, sizes.scale_burst)],
                            lead=lead_for(sizes.scale_burst))
        result["burst"].append(measured)
        say(describe("burst", measured))
    doses = sum(n for _, n in peak)
    for count in sizes.scale_workers:
        measured = run_load(ctx, people, count, "peak", peak, lead=lead_for(doses))
        result["peak"].append(measured)
        say(describe("morning peak", measured))
    result["ceiling"] = ceiling(result)
    if not ctx.quick:
        write_scaling_doc(result)
    return result


def ceiling(result: dict[str, Any]) -> dict[str, Any]:
    """The best measured rate and what each dose cost the database at it."""
    best = max(result["burst"], key=lambda r: r["doses_per_s"])
    pg_cpu = best["cpu_s"]["postgres_backends"]
    return {"doses_per_s": best["doses_per_s"], "workers": best["workers"],
            "pg_cpu_ms_per_1000": round(pg_cpu * 1_000_000 / best["doses"], 1),
            "worker_cpu_ms_per_1000": round(best["cpu_s"]["workers"] * 1_000_000 /
                                            best["doses"], 1),
            "wal_kb_per_dose": round(best["wal_mb"] * 1024 / best["doses"], 2)}


# --- reporting

def table_rows(runs: list[dict[str, Any]], rate: bool = True) -> list[tuple[str, ...]]:
    """One row per worker count; `rate` false for the peak, whose pace the arrivals set."""
    rows = []
    for r in runs:
        per = " / ".join(f"{w['doses']:,}" for w in r["per_worker"])
        avg = f"{r['doses_per_s'] // r['workers']:,}" if rate else "-"
        cpu = r["cpu_s"]
        rows.append((str(r["workers"]), f"{r['doses']:,}",
                     f"{r['doses_per_s']:,}" if rate else "-", f"{avg} ({per})",
                     f"{r['last_delivered_s']:.2f} s",
                     f"{r['lateness_s']['p50']:.2f} / {r['lateness_s']['p99']:.2f} / "
                     f"{r['lateness_s']['max']:.2f} s",
                     str(r["duplicate_inbox_rows"] + r["alerted_more_than_once"] +
                         max(0, r["logged_total"] - r["doses"])),
                     f"{cpu['workers']:.1f} / {cpu['postgres_backends']:.1f} / "
                     f"{cpu['redis']:.1f}", f"{r['wal_mb']:.0f}", f"{r['load'][0]:.2f}"))
    return rows


HEADER = ("workers", "doses", "doses/s", "per worker: average (doses each)",
          "last delivered", "lateness p50 / p99 / max", "duplicates",
          "CPU s: workers / PostgreSQL / Redis", "WAL MB", "load (1 min)")


def waits_text(runs: list[dict[str, Any]]) -> str:
    parts = []
    for r in runs:
        waits = r["active_backends_by_wait"]
        total = sum(waits.values()) or 1
        top = ", ".join(f"{k} {v / total:.0%}" for k, v in list(waits.items())[:4])
        parts.append(f"{r['workers']} worker(s): {top}")
    return "; ".join(parts)


def peak_text(result: dict[str, Any]) -> str:
    slots = ", ".join(f"+{offset:g} s: {count:,}" for offset, count in result["peak_slots"])
    return (f"The doses of 12:00-14:59 UTC of the simulated day, an hour passing in "
            f"{3600 / result['compression']:g} s; each (zone, time) slot due in one second "
            f"({slots}). The pace is set by the arrivals, so doses/s is not shown; the "
            "lateness is the figure that matters.")


def section(result: dict[str, Any]) -> list[str]:
    from bench.report import table

    c = result["ceiling"]
    return ["## Scale-out", "",
            "`python -m bench scale-out`: 1, 2 and 4 `python manage.py worker` processes on one "
            "PostgreSQL and one Redis (details and the reasoning in docs/scaling.md).", "",
            f"### {result['burst'][0]['doses']:,} doses due in one second", "",
            table(HEADER, table_rows(result["burst"])), "",
            f"### Morning peak, {result['patients']:,} patients, compressed "
            f"{result['compression']:g}x", "",
            peak_text(result), "",
            table(HEADER, table_rows(result["peak"], rate=False)), "",
            f"Best measured: {c['doses_per_s']:,} doses/s with {c['workers']} worker(s); per "
            f"1,000 doses PostgreSQL backends used {c['pg_cpu_ms_per_1000']} ms of CPU, the "
            f"workers {c['worker_cpu_ms_per_1000']} ms, and {c['wal_kb_per_dose']} KB of WAL "
            "per dose.", "", f"What active backends were doing (sampled every 100 ms): "
            f"{waits_text(result['burst'])}."]


MARK_BEGIN, MARK_END = "<!-- scale-out: begin -->", "<!-- scale-out: end -->"


def write_scaling_doc(result: dict[str, Any]) -> Path:
    """Replace the measured block of docs/scaling.md with this run's figures."""
    path = harness.ROOT / "docs" / "scaling.md"
    text = path.read_text()
    block = "\n".join([MARK_BEGIN, *section(result)[2:], MARK_END])
    if MARK_BEGIN in text:
        head, rest = text.split(MARK_BEGIN, 1)
        text = head + block + rest.split(MARK_END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text)
    return path
