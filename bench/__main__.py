"""`python -m bench [scenario ...] [--quick] [--out DIR]`: run the benchmarks, print the
figures, write the report (markdown + RSS plot).

A full run of every scenario writes docs/benchmarks.md and docs/rss.png; a quick run or a
subset writes to var/bench/ unless --out says otherwise, so the published report always
comes from one complete run.
"""

from __future__ import annotations

import argparse
import importlib
import json
import resource
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from bench import harness

SCENARIOS = {
    "burst": "bench.burst",
    "rival": "bench.rival",
    "pending": "bench.pending",
    "soak": "bench.soak",
    "classic": "bench.baseline",
    "scale-out": "bench.scale_out",
    "web": "bench.web",
    "web-pair": "bench.web_pair",
    "slow": "bench.slow_channel",
    "channels": "bench.channels",
    "diagnose": "bench.diagnose",
    "worst-account": "bench.worst_account",
    "givers": "bench.givers_burst",
}


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenarios", nargs="*", metavar="scenario",
                        help=f"one or more of: {', '.join(SCENARIOS)} (default: all)")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run with small numbers (figures not comparable)")
    parser.add_argument("--out", type=Path, default=None,
                        help="where to write benchmarks.md and rss.png")
    args = parser.parse_args(argv)
    unknown = [name for name in args.scenarios if name not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenario {', '.join(unknown)}; choose from {', '.join(SCENARIOS)}")
    return args


def raise_fd_limit() -> None:
    """Sockets for the web scenario: both ends of 1,000 WebSockets live on this machine."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < min(hard, 8192):
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))


def main(argv: list[str]) -> int:
    args = parse(argv)
    chosen = args.scenarios or list(SCENARIOS)
    complete = not args.quick and set(chosen) == set(SCENARIOS)
    out_dir = args.out or (harness.ROOT / ("docs" if complete else "var/bench"))
    log_dir = harness.ROOT / "var" / "bench" / "logs"
    raise_fd_limit()
    database_url, redis_url = harness.configure_environment()
    harness.setup_django(database_url)
    sizes = harness.Sizes.quick() if args.quick else harness.Sizes()
    ctx = harness.Context(sizes=sizes, quick=args.quick, out_dir=out_dir, log_dir=log_dir,
                          database_url=database_url, redis_url=redis_url)
    meta = {
        "command": " ".join(["python -m bench", *argv]),
        "started": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        "load_before": harness.load_average(), "machine": harness.machine(),
        "commit": harness.git_commit(), "quick": args.quick, "sizes": vars(sizes),
        "database": database_url.rsplit("@", 1)[-1], "redis": redis_url.rsplit("@", 1)[-1],
        "loads": [], "cpu_before": harness.cpu_busy(),
    }
    harness.say(f"PulseRx benchmarks, {meta['started']}: load average "
                f"{meta['load_before'][0]:.2f}; other work is using {meta['cpu_before']:.0%} "
                "of the CPUs")
    failures = 0
    for name in chosen:
        started = time.time()
        try:
            ctx.results[name] = importlib.import_module(SCENARIOS[name]).run(ctx)
        except Exception:
            failures += 1
            traceback.print_exc()
            ctx.results[name] = {"error": traceback.format_exc(limit=3)}
        ctx.results[name]["scenario_seconds"] = round(time.time() - started, 1)
        meta["loads"].append((name, harness.load_average()))
    harness.reset_all()
    meta["cpu_after"] = harness.cpu_busy()
    meta["finished"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    meta["load_after"] = harness.load_average()
    from bench import report

    out_dir.mkdir(parents=True, exist_ok=True)
    raw = harness.ROOT / "var" / "bench" / "results.json"
    raw.parent.mkdir(parents=True, exist_ok=True)
    raw.write_text(json.dumps({"meta": meta, "results": ctx.results}, indent=1, default=str))
    markdown = report.write(meta, ctx.results, out_dir)
    harness.say("\n" + report.summary_table(meta, ctx.results))
    harness.say(f"wrote {markdown} and {out_dir / 'rss.png'} (raw figures: {raw})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
