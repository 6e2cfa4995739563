"""`python manage.py worker`: the one worker profile used by make run, Procfile and render.yaml."""

from __future__ import annotations

import os
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from pulserx.celery import app
from pulserx.dispatch.worker import guard

# One process. Tasks run on a few threads so a slow SMTP or push server never holds up the
# others; the dispatcher tick has a thread of its own. Nothing is prefetched beyond what the
# threads can run, no results are stored, and the cluster chatter (gossip, mingle,
# heartbeats) that a single worker does not need is off. It consumes the default queue and
# each slow channel's own queue (pulserx.notifications.tasks.QUEUES).
WORKER_ARGV = [
    "worker",
    "--pool=threads",
    "--queues=celery,push,email",
    "--prefetch-multiplier=1",
    "--without-heartbeat",
    "--without-gossip",
    "--without-mingle",
    "--loglevel=WARNING",
    "--hostname=pulserx@%h",
]


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
        argv = list(WORKER_ARGV)
        threads = options["concurrency"] or settings.PULSERX_WORKER_THREADS
        argv.append(f"--concurrency={threads}")
        if options["include"]:
            argv.append(f"--include={','.join(options['include'])}")
        try:
            app.worker_main(argv)
        except SystemExit as stop:
            if not guard.tripped:
                raise
            del stop
        if guard.tripped:
            self.stderr.write("memory guard: restarting the worker")
            sys.stderr.flush()
            os.execv(sys.executable, [sys.executable, *sys.argv])
