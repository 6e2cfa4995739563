"""`python -m bench.faults [--scale small|full] [scenario ...]`: break things under real
workers and count, from the database, what reached the inbox.

Everything runs against a private PostgreSQL cluster and a private redis-server that this
command starts (and removes) itself. A full run of every scenario writes
docs/reliability.md; any other run writes var/faults/reliability.md. The exit status is 1
when a scenario lost or duplicated an inbox row, or left a missed dose unannounced.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
import traceback
from datetime import UTC, datetime

from bench import harness
from bench.faults import census, report
from bench.faults.rig import EMAIL_SHARE, Rig, Scale
from bench.faults.scenarios import SCENARIOS
from bench.faults.services import PrivatePostgres, PrivateRedis

DATABASE = "pulserx_faults"


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.faults", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenarios", nargs="*", metavar="scenario",
                        help=f"one or more of: {', '.join(SCENARIOS)} (default: all)")
    parser.add_argument("--scale", default=os.environ.get("FAULTS_SCALE") or "full",
                        help="small (CI, about three minutes) or full (default)")
    args = parser.parse_args(argv)
    unknown = [name for name in args.scenarios if name not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenario {', '.join(unknown)}; choose from {', '.join(SCENARIOS)}")
    return args


def prepare(rig: Rig) -> None:
    """Start the private services, point this process at them, migrate and seed."""
    rig.postgres.init()
    rig.redis.start()
    os.environ.update(DATABASE_URL=rig.postgres.url(DATABASE), REDIS_URL=rig.redis.url,
                      CELERY_BROKER_URL=rig.redis.url,
                      DJANGO_SETTINGS_MODULE="pulserx.settings", LOG_LEVEL="WARNING")
    harness.setup_django(os.environ["DATABASE_URL"])
    from pulserx.accounts.models import Patient, User

    census.install_stamp()
    rig.people = harness.seed_patients(rig.scale.patients)
    emailed = [person.patient_id for person in rig.people[::EMAIL_SHARE]]
    Patient.objects.filter(pk__in=emailed).update(notify_email=True)
    # Reminders go only to verified addresses: these patients have verified theirs.
    User.objects.filter(patient__pk__in=emailed).update(email_verified=True)


def run_all(rig: Rig, chosen: list[str]) -> dict[str, dict]:
    results: dict[str, dict] = {}
    for name in chosen:
        harness.say(f"--- {name}: {SCENARIOS[name].__doc__.splitlines()[0].strip()}")
        census.reset()
        started = time.time()
        try:
            outcome, facts = SCENARIOS[name](rig)
            results[name] = {"census": outcome, "facts": facts}
            harness.say(report.line(name, outcome) + f"   {facts}")
        except Exception:
            traceback.print_exc()
            rig.stop_workers()
            results[name] = {"error": traceback.format_exc(limit=4)}
        results[name]["seconds"] = round(time.time() - started, 1)
        results[name]["load"] = harness.load_average()
    return results


def main(argv: list[str]) -> int:
    # A SIGTERM must still stop the workers and remove the private cluster (finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    args = parse(argv)
    scale = Scale.named(args.scale)
    chosen = args.scenarios or list(SCENARIOS)
    log_dir = harness.ROOT / "var" / "faults" / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    rig = Rig(scale, PrivatePostgres(log_dir), PrivateRedis(log_dir), log_dir)
    meta = {"command": " ".join(["python -m bench.faults", *argv]) or "python -m bench.faults",
            "scale": scale, "started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
            "load_before": harness.load_average(), "commit": harness.git_commit()}
    try:
        prepare(rig)
        meta["machine"] = harness.machine()
        meta["cpu_before"] = harness.cpu_busy(3.0)
        results = run_all(rig, chosen)
    finally:
        rig.stop_workers()
        rig.redis.kill()
        rig.postgres.destroy()
    meta["finished"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    meta["load_after"] = harness.load_average()
    complete = scale.name == "full" and set(chosen) == set(SCENARIOS)
    out = harness.ROOT / ("docs" if complete else "var/faults") / "reliability.md"
    harness.say("\n" + report.table(results))
    report.write(out, meta, results)
    harness.say(f"wrote {out} (worker logs: {log_dir})")
    clean = all("census" in r and r["census"].clean for r in results.values())
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
