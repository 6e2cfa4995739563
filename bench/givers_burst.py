"""Givers burst: what reminding the care team costs the dispatcher's burst.

`python -m bench.givers_burst [--doses N]` (also `python -m bench givers`): N doses due in the
same second, delivered by one `tick()` in this process, three ways in the same run, the
runs interleaved and each judged on the median of RUNS:

* plain: patients without a care team (the burst scenario's patients);
* teams, before: one patient in ten has three carers who give, but only the patient is
  reminded (the dispatcher as it was: the carers watching the day still get the dose's
  live event);
* teams: the same, and each of the three givers is reminded too (an inbox row, its web
  delivery and its live event each).

So one dose in ten has three givers to remind. The target: teams <= 1.25 x plain.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bench import harness
from bench.harness import Context, Person, say

SECTION_START = "<!-- givers: written by python -m bench.givers_burst -->"
SECTION_END = "<!-- /givers -->"
RUNS = 5
GIVERS_PER_TEAM = 3
TEAM_EVERY = 10  # one patient (so one dose) in ten has a team
TARGET = 1.25


def add_teams(people: list[Person]) -> int:
    """Three accepted carers who give for every TEAM_EVERY-th person; returns the carers."""
    from django.contrib.auth.hashers import make_password

    from pulserx.accounts.models import AccountType, CareLink, CareLinkStatus, CareRole, User

    password = make_password("correct horse battery")
    teams = people[::TEAM_EVERY]
    carers = User.objects.bulk_create([
        User(email=f"giver{n}-{k}@example.org", username=f"giver{n}-{k}@example.org",
             first_name=f"Giver{k}", password=password, account_type=AccountType.CAREGIVER,
             timezone="America/New_York")
        for n in range(len(teams)) for k in range(GIVERS_PER_TEAM)], batch_size=1000)
    CareLink.objects.bulk_create([
        CareLink(patient_id=person.patient_id, caregiver=carer, invited_email=carer.email,
                 status=CareLinkStatus.ACCEPTED, role=CareRole.GIVES)
        for n, person in enumerate(teams)
        for carer in carers[n * GIVERS_PER_TEAM:(n + 1) * GIVERS_PER_TEAM]], batch_size=1000)
    return len(carers)


@contextmanager
def givers_not_reminded() -> Iterator[None]:
    """The dispatcher as it was before givers were reminded."""
    from pulserx.dispatch import fanout

    original = fanout.givers_of
    fanout.givers_of = lambda rows: iter(())  # type: ignore[assignment]
    try:
        yield
    finally:
        fanout.givers_of = original


def timed_burst(people: list[Person], count: int) -> dict[str, Any]:
    """`count` doses of `people` already due; one tick() delivers them: its seconds."""
    from pulserx.dispatch.tick import tick
    from pulserx.notifications.models import Notification

    harness.truncate_doses()
    harness.flush_redis()
    due = harness.next_whole_second(time.time()) - 1.0
    harness.insert_doses(harness.due_burst(people, count, harness.as_datetime(due)))
    started, cpu = time.perf_counter(), time.process_time()
    report = tick()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    if report.reminded != count:
        raise RuntimeError(f"the tick reminded {report.reminded} of {count} doses")
    return {"s": seconds, "cpu_s": cpu, "notifications": Notification.objects.count(),
            "events": report.published}


def run(ctx: Context) -> dict[str, Any]:
    count, patients = ctx.sizes.burst, ctx.sizes.patients
    say(f"\n== givers: {count:,} doses due in one second across {patients:,} patients, "
        f"plain and with one dose in {TEAM_EVERY} having {GIVERS_PER_TEAM} givers to remind")
    harness.reset_all()
    seeded = harness.seed_patients(2 * patients)
    plain, teamed = seeded[:patients], seeded[patients:]
    carers = add_teams(teamed)
    kinds: dict[str, list[dict[str, Any]]] = {"plain": [], "before": [], "teams": []}
    timed_burst(plain, min(count, 500))  # warm up: imports, connections, caches
    for n in range(RUNS):
        kinds["plain"].append(timed_burst(plain, count))
        with givers_not_reminded():
            kinds["before"].append(timed_burst(teamed, count))
        kinds["teams"].append(timed_burst(teamed, count))
        say(f"  run {n + 1}: plain {kinds['plain'][-1]['s']:.3f} s, teams before "
            f"{kinds['before'][-1]['s']:.3f} s, teams {kinds['teams'][-1]['s']:.3f} s "
            f"(CPU {kinds['plain'][-1]['cpu_s']:.3f} / {kinds['before'][-1]['cpu_s']:.3f} / "
            f"{kinds['teams'][-1]['cpu_s']:.3f} s)")
    harness.truncate_doses()
    result: dict[str, Any] = {"doses": count, "patients": patients, "carers": carers,
                              "runs": RUNS, "load": harness.load_average(),
                              "command": COMMAND.format(doses=count)}
    for kind, runs in kinds.items():
        result[kind] = {"s": round(statistics.median(r["s"] for r in runs), 3),
                        "cpu_s": round(statistics.median(r["cpu_s"] for r in runs), 3),
                        "notifications": runs[-1]["notifications"],
                        "events": runs[-1]["events"], "all_s": [round(r["s"], 3) for r in runs]}
    result["ratio"] = round(result["teams"]["s"] / result["plain"]["s"], 3)
    result["ratio_before"] = round(result["teams"]["s"] / result["before"]["s"], 3)
    result["cpu_ratio"] = round(result["teams"]["cpu_s"] / result["plain"]["cpu_s"], 3)
    say(f"median of {RUNS}: plain {result['plain']['s']:.3f} s "
        f"({result['plain']['notifications']:,} inbox rows, {result['plain']['events']:,} "
        f"live events); teams {result['teams']['s']:.3f} s "
        f"({result['teams']['notifications']:,} inbox rows, {result['teams']['events']:,} "
        f"live events); teams before givers were reminded {result['before']['s']:.3f} s")
    say(f"teams / plain = {result['ratio']:.2f}x (target <= {TARGET:.2f}x: "
        f"{'met' if result['ratio'] <= TARGET else 'NOT met'}); "
        f"teams / teams before = {result['ratio_before']:.2f}x; dispatcher CPU (this "
        f"process) plain {result['plain']['cpu_s']:.3f} s, teams {result['teams']['cpu_s']:.3f} s"
        f" = {result['cpu_ratio']:.2f}x")
    return result


COMMAND = "python -m bench.givers_burst --doses {doses}"


def section(result: dict[str, Any]) -> list[str]:
    from bench.report import table

    rows: list[tuple[str, ...]] = [(label, f"{f['s']:.3f} s", f"{f['cpu_s']:.3f} s",
             ", ".join(f"{s:.3f}" for s in f["all_s"]),
             f"{f['notifications']:,}", f"{f['events']:,}")
            for label, f in (("plain (no care team)", result["plain"]),
                             ("teams, only the patient reminded (before)", result["before"]),
                             ("teams, givers reminded", result["teams"]))]
    verdict = "met" if result["ratio"] <= TARGET else "**not met**"
    return [
        SECTION_START, "## Givers burst: reminding the care team", "",
        f"{result['doses']:,} doses due in one second, delivered by one `tick()` in the "
        f"benchmark process (PostgreSQL), median of {result['runs']} interleaved runs. "
        f"\"Teams\": one patient (so one dose) in {TEAM_EVERY} has {GIVERS_PER_TEAM} carers "
        f"who give ({result['carers']:,} carers), each reminded at due time with an inbox "
        "row, its web delivery and a live event; their givers are read in one query per "
        "claimed batch.", "",
        table(("burst", "tick, median", "dispatcher CPU, median", "runs (wall)", "inbox rows",
               "live events"), rows), "",
        f"Teams / plain: **{result['ratio']:.2f}x** (target ≤ {TARGET:.2f}x: {verdict}); "
        f"teams / teams before givers were reminded: {result['ratio_before']:.2f}x. "
        f"In dispatcher CPU (this process's own, the database's excluded): "
        f"{result['cpu_ratio']:.2f}x. Load average {result['load'][0]:.2f} after the run "
        "(wall times include waiting for a CPU).", "",
        f"Measured with `{result['command']}` (also `python -m bench givers`).",
        SECTION_END,
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.givers_burst", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--doses", type=int, default=harness.Sizes().burst)
    parser.add_argument("--patients", type=int, default=harness.Sizes().patients)
    args = parser.parse_args(argv)
    database_url, redis_url = harness.configure_environment()
    harness.setup_django(database_url)
    sizes = harness.Sizes(burst=args.doses, patients=args.patients)
    ctx = Context(sizes=sizes, quick=False, out_dir=harness.ROOT / "docs",
                  log_dir=harness.ROOT / "var" / "bench" / "logs", database_url=database_url,
                  redis_url=redis_url)
    harness.splice(ctx.out_dir / "benchmarks.md", section(run(ctx)))
    say(f"wrote its section of {ctx.out_dir / 'benchmarks.md'}")


if __name__ == "__main__":
    main()
