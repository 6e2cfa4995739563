"""Diagnose: where the worker's memory goes, and what a few environment variables change.

Not the production profile. First a fresh Python process loads, stage by stage, what
`manage.py worker` loads, reporting its RSS after each stage and which packages added the
most (`python -m bench.diagnose` runs that probe). Then the burst is repeated with workers
that differ from production by one environment variable each.
"""

from __future__ import annotations

import builtins
import json
import os
import subprocess
import sys
from typing import Any

from bench import harness, observe
from bench.harness import Context, say

# (short name, label, extra arguments of `manage.py worker`, extra environment)
VARIANTS: tuple[tuple[str, str, tuple[str, ...], dict[str, str]], ...] = (
    ("production", "production profile (again, for comparison)", (), {}),
    ("checks", "with Celery's system checks at start (CELERY_SKIP_CHECKS set empty)",
     (), {"CELERY_SKIP_CHECKS": ""}),
    ("MALLOC_ARENA_MAX=2", "MALLOC_ARENA_MAX=2 (fewer glibc malloc arenas for the threads)",
     (), {"MALLOC_ARENA_MAX": "2"}),
    ("CLAIM_BATCH=5000", "PULSERX_CLAIM_BATCH=5000 (default 500)", (),
     {"PULSERX_CLAIM_BATCH": "5000"}),
)


def rss_mb() -> float:
    return observe.read_status(os.getpid())["VmRSS"]


class ImportMeter:
    """Charges each newly imported module with the RSS it added itself (its own imports are
    charged to them), summed by top-level package."""

    def __init__(self) -> None:
        self.by_package: dict[str, float] = {}
        self._stack: list[float] = []
        self._original = builtins.__import__

    def __enter__(self) -> ImportMeter:
        builtins.__import__ = self._import
        return self

    def __exit__(self, *exc: object) -> None:
        builtins.__import__ = self._original

    def _import(self, name: str, globals: Any = None, locals: Any = None,
                fromlist: Any = (), level: int = 0) -> Any:
        package = ((globals or {}).get("__package__") or "") if level else name
        if level == 0 and name in sys.modules:
            return self._original(name, globals, locals, fromlist, level)
        before = rss_mb()
        self._stack.append(0.0)
        try:
            return self._original(name, globals, locals, fromlist, level)
        finally:
            added = rss_mb() - before
            children = self._stack.pop()
            top = (package or name).split(".")[0]
            self.by_package[top] = self.by_package.get(top, 0.0) + added - children
            if self._stack:
                self._stack[-1] += added


def probe() -> dict[str, Any]:
    """Runs in a fresh process (CELERY_SKIP_CHECKS=1 so the checks are a stage of their own)."""
    stages: list[tuple[str, float]] = [("Python interpreter and the probe", rss_mb())]
    with ImportMeter() as meter:
        import django

        django.setup()
        stages.append(("django.setup(): settings, INSTALLED_APPS, models", rss_mb()))
        from pulserx.celery import app

        app.loader.import_default_modules()
        stages.append(("+ the Celery app and its task modules", rss_mb()))
        import importlib

        for module in ("celery.worker", "celery.apps.worker", "celery.concurrency.thread",
                       "kombu.transport.redis"):
            importlib.import_module(module)

        stages.append(("+ Celery's worker, thread pool and Redis transport", rss_mb()))
        importlib.import_module("pulserx.notifications.transports.webpush")
        stages.append(("+ the Web Push stack, imported on the first push (http-ece, py-vapid, "
                       "cryptography's OpenSSL binding)", rss_mb()))
        from django.core.checks import run_checks

        run_checks()
        stages.append(("+ Django system checks (they import the URLconf; the web process and "
                       "`migrate` run them, the worker does not)", rss_mb()))
    rows = [(label, round(rss, 1), round(rss - (stages[i - 1][1] if i else 0.0), 1))
            for i, (label, rss) in enumerate(stages)]
    top = sorted(meter.by_package.items(), key=lambda item: -item[1])[:15]
    return {"stages": rows, "packages": [(name, round(mb, 1)) for name, mb in top]}


def run(ctx: Context) -> dict[str, Any]:
    from bench.burst import measure_burst

    say("\n== diagnose: what the worker's memory is made of; one-variable variants")
    env = {**os.environ, **harness.service_env(CELERY_SKIP_CHECKS="1")}
    out = subprocess.run([sys.executable, "-m", "bench.diagnose"], cwd=harness.ROOT, env=env,
                         capture_output=True, text=True, timeout=300)
    if out.returncode:
        raise RuntimeError(f"the import probe failed:\n{out.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    for label, rss, added in result["stages"]:
        say(f"  {rss:6.1f} MB ({added:+6.1f})  {label}")
    say("  largest packages: " + ", ".join(f"{n} {mb:.1f} MB" for n, mb in result["packages"]))
    harness.reset_all()
    people = harness.seed_patients(ctx.sizes.patients)
    counter = observe.EventCounter(p.user_id for p in people)
    variants = []
    try:
        for n, (short, label, args, extra) in enumerate(VARIANTS):
            measured = measure_burst(ctx, people, counter, f"diagnose-worker-{n}", args,
                                     **extra)
            variants.append({"short": short, "label": label, "args": args, "env": extra, **{
                k: measured[k] for k in ("idle_rss_mb", "idle_anon_mb", "idle_file_mb",
                                         "committed_s", "published_s", "peak_rss_mb",
                                         "hwm_mb")}})
            say(f"  {label}: idle {measured['idle_rss_mb']} MB (anonymous "
                f"{measured['idle_anon_mb']} MB, files {measured['idle_file_mb']} MB); "
                f"{ctx.sizes.burst:,} burst "
                f"published in {measured['published_s']} s; VmHWM {measured['hwm_mb']} MB")
    finally:
        counter.stop()
    result["variants"] = variants
    return result


if __name__ == "__main__":
    print(json.dumps(probe()))
