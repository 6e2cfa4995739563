"""The fault suite's table, printed and written as Markdown with how it was produced."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.faults.census import Census

COLUMNS = ("scenario", "doses due", "delivered", "missed (caught up too late)", "lost",
           "duplicated", "marked late", "early", "lateness p50 / p99 / max",
           "emails wanted / sent / unsent / sent twice")


METHOD = """\
## How it is measured

Every scenario runs real `python manage.py worker` processes (the production command: Celery
plus the dispatcher thread) against a PostgreSQL cluster and a redis-server that the suite
starts for itself (`initdb` in a temporary directory, a free loopback port; both removed
afterwards). The shared servers are never touched. Doses are inserted the way the materialise
step inserts them; 1 % of each scenario's count is added as a backlog already 3 h overdue
(past `PULSERX_LATE_GRACE`, 2 h) and 1 % already 10 min overdue (within it). Workers run with
`PULSERX_LEASE=5s` (production: 60 s) so that a killed worker's claims come back within
seconds, and `PULSERX_DELIVERY_LEASE=10s` (production: 460 s) so that email tasks lost with
Redis are sent again within seconds; everything else is the production configuration.

Counted from the database after the doses have drained and the workers have stopped:

- **doses due**: every dose of the scenario, backlog included;
- **delivered**: doses with a reminder in the patient's inbox;
- **missed**: doses with no reminder and marked missed, as the catch-up rule does for those
  found more than the grace late. Each must be counted in a "missed while away" summary in
  the patient's inbox; any that is not would be reported (and fails the run);
- **lost**: doses with neither a reminder nor the missed mark;
- **duplicated**: reminders beyond the first for one dose, plus any alert written twice for
  one (recipient, dose, kind, sequence);
- **marked late**: reminders flagged late (sent more than 60 s after their time);
- **early**: reminders written before their dose was due;
- **emails**: every tenth patient also asked for email reminders (sent through Django's dummy
  backend by the worker's Celery tasks): how many reminders wanted an email, how many were
  sent, how many are still unsent (pending or failed, or with no delivery row at all; this
  fails the run), and how many were attempted more than once, which can mean the patient got
  the same email twice (email is at least once: a task killed between sending and recording
  is sent again);
- **lateness**: when the reminder's inbox row was written, by the database server's clock
  (a statement trigger the suite adds to its private database), minus the due time, over the
  doses that were not backlog.

`make faults` exits non-zero when any scenario loses, duplicates, or leaves a missed dose
unannounced. `make faults FAULTS_SCALE=small` is the short version `.ci/run` runs.
"""

FINDINGS = """\
## What the suite found, and what changed

Three faults made the product fail before this table could read as it does; all are fixed,
each with a regression test that fails without the fix.

- **Redis restarted with tasks in flight stopped all reminders.** When the broker connection
  drops while a task is unacknowledged, kombu's close path fails (`AttributeError: 'NoneType'
  object has no attribute 'hostname'` in `_connparams`) and Celery stops the worker with exit
  status 0, dispatcher thread included. With `python -m bench.faults --scale small redis
  sigkill`, before the fix: 2,040 doses due, 403 delivered, **1,617 lost**. Now
  `manage.py worker` starts itself again (the same re-exec as the memory guard) whenever
  Celery stops without being asked to.
  Test: `tests/dispatch/test_worker_broker_loss.py`.
- **A worker's clock was the dispatcher's clock.** Stepped 1 h forward, the worker reminded
  every dose of the coming hour at once, early, and flagged them late; stepped back, it held
  reminders. Small-scale run before the fix: 409 of 2,040 reminders written before their dose
  was due, 606 falsely marked late. The dispatcher thread and delivery attempts now take the
  time from PostgreSQL (`statement_timestamp()`), one clock for every worker.
  Test: `tests/dispatch/test_worker_clock.py`.
- **An email could go out twice.** A delivery whose first task waited in the queue past its
  lease was enqueued again; a second task starting while the first was sending took an
  attempt of its own. Full-size run at commit 4288633: in race3, 7 of 10,100 emails were
  attempted twice. Tasks now carry the attempt count they were enqueued for, and a task
  whose count has moved on sends nothing. Test: `tests/notifications/test_delivery_tasks.py`.

Left as they are, and visible above:

- **A silent network cut to Redis stalls the dispatcher for as long as it lasts.** The worker
  logged nothing during the 10 s cut and the reminders due in it were written when it healed
  (netcut lateness max ≈ the cut): after each commit the tick publishes the batch's email
  tasks to the broker, and kombu's socket has no timeout, so the tick waits on it. Nothing is
  lost (within the grace a reminder is late; past it, missed with a summary), but a long
  partition delays every reminder. The likely remedy, not yet measured: a `socket_timeout`
  in `CELERY_BROKER_TRANSPORT_OPTIONS` and a robust `on_commit` for the enqueue (the delivery
  lease already re-sends what was not enqueued).
- Email is at least once: a send whose "sent" could not be recorded (PostgreSQL went away
  between the two) is sent again when its lease ends; the "sent twice" column counts them.
- The heartbeat `/healthz` reads is still stamped with the worker's own clock; the web
  process's own times (a snooze) use the web machine's clock.
"""

SCENARIO_NOTES = """\
## The scenarios

- **sigkill**: doses come due steadily; the worker is SIGKILLed (its whole process group)
  while it holds a claim, restarted at once, and killed again at its next claim, `kills`
  times; then one last worker drains. "kills inside a batch" counts kills after which the
  killed batch's claim was still uncommitted.
- **postgres**: the worker's backends are terminated (`pg_terminate_backend`) three times
  while it holds a claim, then the server is crashed (`pg_ctl stop -m immediate`), left down
  for the outage and started again (crash recovery).
- **redis**: redis-server is SIGKILLed under load, left down for the outage, and started again
  empty on the same port.
- **netcut**: the worker reaches Redis through a relay on loopback that goes silent for the
  outage: no bytes move either way and new connections get no answer, but nothing is reset,
  as when packets are dropped. PostgreSQL stays reachable.
- **clock**: the worker process's wall clock (time-machine, driven from outside through a
  file by `bench/faults/clocked.py`; no hook in the product) is stepped 1 h back, held for the
  outage, put right, then 1 h forward, held, and put right.
- **race2 / race3**: two or three workers started, then the whole count due in the same
  second.
"""


def _s(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} s"


def cells(name: str, c: Census) -> list[str]:
    return [name, f"{c.due:,}", f"{c.delivered:,}", f"{c.missed:,}", f"{c.lost:,}",
            f"{c.duplicated:,}", f"{c.marked_late:,}", f"{c.early:,}",
            f"{_s(c.p50_s)} / {_s(c.p99_s)} / {_s(c.max_s)}", _emails(c)]


def _emails(c: Census) -> str:
    e = c.emails
    if e is None:
        return "-"
    skipped = f" ({e.skipped:,} skipped)" if e.skipped else ""
    return f"{e.wanted:,} / {e.sent:,}{skipped} / {e.unsent + e.missing:,} / {e.resent:,}"


def line(name: str, c: Census) -> str:
    """`scenario, doses due, delivered, lost, duplicated, worst lateness` and the rest."""
    return (f"{name}: {c.due:,} due, {c.delivered:,} delivered, {c.missed:,} missed, "
            f"{c.lost:,} lost, {c.duplicated:,} duplicated, {c.marked_late:,} marked late, "
            f"{c.early:,} early, {c.unannounced_missed} missed without a summary, "
            f"lateness p50 {_s(c.p50_s)} p99 {_s(c.p99_s)} max {_s(c.max_s)}, "
            f"emails wanted/sent/unsent/sent twice {_emails(c)}")


def table(results: dict[str, dict[str, Any]]) -> str:
    rows = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for name, result in results.items():
        if "census" in result:
            rows.append("| " + " | ".join(cells(name, result["census"])) + " |")
        else:
            rows.append(f"| {name} | failed to run: see below |" + " |" * (len(COLUMNS) - 2))
    return "\n".join(rows)


def _facts(results: dict[str, dict[str, Any]]) -> list[str]:
    out = []
    for name, result in results.items():
        load = ", ".join(f"{v:.2f}" for v in result.get("load", ()))
        if "census" in result:
            facts = ", ".join(f"{k} {v}" for k, v in result["facts"].items())
            out.append(f"- **{name}** ({result['seconds']} s, load after {load}): {facts}; "
                       f"backlog seeded {result['census'].backlog:,}; missed doses without a "
                       f"summary {result['census'].unannounced_missed}.")
        else:
            out.append(f"- **{name}** failed to run:\n\n```\n{result['error']}\n```")
    return out


def write(path: Path, meta: dict[str, Any], results: dict[str, dict[str, Any]]) -> None:
    m = meta.get("machine", {})
    load = ", ".join(f"{v:.2f}" for v in meta["load_before"])
    lines = [
        "# Reliability under faults",
        "",
        f"Produced by `make faults` (`{meta['command']}`, scale {meta['scale'].name}) at commit "
        f"{meta['commit']}, {meta['started']} to {meta['finished']}.",
        "",
        f"Machine: {m.get('cpu', '?')}, {m.get('cores', '?')} cores, {m.get('ram_gb', '?')} GB "
        f"RAM, Linux {m.get('kernel', '?')}; Python {m.get('python', '?')}, Django "
        f"{m.get('django', '?')}, PostgreSQL {m.get('postgresql', '?')} (private cluster), "
        f"Redis {m.get('redis', '?')} (private server). Shared with other work: load average "
        f"{load} before the run, {meta.get('cpu_before', 0):.0%} of the CPUs busy with other "
        "work just before it.",
        "",
        table(results),
        "",
        *_facts(results),
        "",
        FINDINGS,
        METHOD,
        SCENARIO_NOTES,
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))
