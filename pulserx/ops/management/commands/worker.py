"""`python manage.py worker`: the one worker profile used by make run, Procfile and render.yaml."""

from __future__ import annotations

import os
import sys
import time
from typing import Any

from celery.signals import worker_shutting_down
from celery.utils.nodenames import default_nodename, host_format
from django.conf import settings
from django.core.management.base import BaseCommand

from pulserx.celery import app
from pulserx.dispatch.worker import guard
from pulserx.memory import limit_malloc_arenas

# A worker that stops on its own this soon after starting may keep doing so: wait a little
# before each restart so that a loop costs a restart every few seconds, not a busy CPU.
QUICK_STOP_S = 10.0
RESTART_PAUSE_S = 5.0

# One process. Tasks run on a few threads so a slow SMTP or push server never holds up the
# others; the dispatcher tick has a thread of its own. Nothing is prefetched beyond what the
# threads can run, no results are stored, and the cluster chatter (gossip, mingle,
# heartbeats) that a single worker does not need is off. It consumes the default queue and
# each slow channel's own queue (pulserx.notifications.tasks.QUEUES).
#
# These are the options of `celery worker`, given to Celery's worker directly: its command
# line (click, click-repl, prompt_toolkit, pygments) would cost ~10 MB of RSS for good.
WORKER_OPTIONS: dict[str, Any] = {
    "pool_cls": "threads",
    "queues": ["celery", "push", "email", "channels"],
    "prefetch_multiplier": 1,
    "without_heartbeat": True,
    "without_gossip": True,
    "without_mingle": True,
    "loglevel": "WARNING",
    "hostname": "pulserx@%h",
}

# Celery's worker module imports psutil for its debugging helpers (celery.utils.debug: `cry`,
# `sample_mem`), which this worker never calls; the memory guard reads /proc/self/statm.
# Made unimportable before Celery's worker loads, it costs nothing (~0.5 MB of RSS for good
# otherwise), and Celery falls back as it does where psutil is not installed.
UNUSED_BY_THE_WORKER = ("psutil",)


def forgo_unused_modules() -> None:
    """Make UNUSED_BY_THE_WORKER unimportable in this process, unless already loaded."""
    for name in UNUSED_BY_THE_WORKER:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]


class Command(BaseCommand):
    help = "Run the PulseRx worker: Celery tasks plus the dispatcher tick, with a memory guard."
    # System checks import the URLconf (every view, the admin, the API schemas): ~5 MB the
    # worker would carry for good. The web process and `migrate` at deploy run them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--concurrency", type=int, default=None,
                            help="Task threads (default PULSERX_WORKER_THREADS, 4).")
        parser.add_argument("--include", action="append", default=[], metavar="MODULE",
                            help="Also import tasks from MODULE (may be repeated).")

    def handle(self, *args: Any, **options: Any) -> None:
        os.environ.setdefault("CELERY_SKIP_CHECKS", "1")  # the same, in Celery's Django fixup
        forgo_unused_modules()
        limit_malloc_arenas()
        threads = options["concurrency"] or settings.PULSERX_WORKER_THREADS
        worker_options = {**WORKER_OPTIONS, "concurrency": threads,
                          "include": options["include"],
                          "hostname": host_format(default_nodename(WORKER_OPTIONS["hostname"]))}
        asked_to_stop: list[str] = []
        worker_shutting_down.connect(lambda sig, **_: asked_to_stop.append(sig), weak=False)
        started = time.monotonic()
        worker = app.Worker(**worker_options)
        worker.start()
        quick = time.monotonic() - started < QUICK_STOP_S
        if not guard.tripped and (asked_to_stop or (worker.exitcode and quick)):
            # Asked to stop, or refused to start (bad configuration, broker unreachable).
            sys.exit(worker.exitcode)
        if guard.tripped:
            self.restart("memory guard: restarting the worker")
        if not asked_to_stop:
            # Celery gave up by itself (kombu can fail to reconnect after Redis restarts
            # with tasks in flight) and would exit 0 with the dispatcher stopped: no more
            # reminders. Start again, as the memory guard does; the broker and the
            # database are retried from scratch and claimed doses are safe by their lease.
            if time.monotonic() - started < QUICK_STOP_S:
                time.sleep(RESTART_PAUSE_S)
            self.restart("the worker stopped without being asked to; restarting it")

    def restart(self, why: str) -> None:
        self.stderr.write(why)
        sys.stderr.flush()
        os.execv(sys.executable, [sys.executable, *sys.argv])
