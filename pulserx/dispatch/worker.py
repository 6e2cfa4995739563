"""What runs inside the worker process besides Celery's consumer: the tick thread (started
by a bootstep), its heartbeat, and the memory guard.

The tick runs in its own thread (a bootstep), so a task that waits ten seconds on an SMTP
server never delays a reminder. The guard reads RSS after every tick and task; past the
budget it asks Celery for a warm shutdown (finish running tasks, ack, stop) and the `worker`
management command re-executes itself. Claimed doses are safe either way: a claim not
finished before the process ends is taken again when its lease runs out.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from celery import bootsteps
from celery.signals import task_postrun
from celery.worker import state as worker_state

from pulserx.memory import release_free_memory

if TYPE_CHECKING:
    from pulserx.dispatch.tick import BatchReport

logger = logging.getLogger("pulserx.worker")
HEARTBEAT_KEY = "pulserx:dispatcher:heartbeat"
_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
# Deleting accounts past their grace period and old access records is not urgent.
PURGE_EVERY_SECONDS = 3600.0


def rss_mb() -> float:
    """Resident memory of this process in MB, read cheaply from /proc."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * _PAGE_SIZE / 1_048_576


class MemoryGuard:
    tripped = False

    def check(self) -> None:
        from django.conf import settings

        budget = settings.PULSERX_WORKER_MAX_RSS_MB
        current = rss_mb()
        if current > budget and not self.tripped:
            MemoryGuard.tripped = True
            logger.warning("memory guard: RSS %.0f MB is over the %d MB budget; "
                           "finishing work and restarting", current, budget)
            worker_state.should_stop = 0  # type: ignore[assignment]  # warm shutdown


guard = MemoryGuard()


def _check_memory_after_task(**kwargs: Any) -> None:
    guard.check()


class TickThread(threading.Thread):
    """Runs `tick()` at the start of every second until stopped."""

    def __init__(self) -> None:
        super().__init__(name="pulserx-dispatcher", daemon=True)
        self.stopping = threading.Event()
        # A burst is drained by this thread and a helper together (see tick.deliver_all).
        self.helper = ThreadPoolExecutor(max_workers=1,
                                         thread_name_prefix="pulserx-dispatcher-helper")

    def run(self) -> None:
        from django.db import close_old_connections, connections

        self.settle_tz_database()
        period = self._period()
        ticks = 0
        last_purge = -PURGE_EVERY_SECONDS
        last_replies = time.monotonic()
        while not self.stopping.is_set():
            started = time.time()
            close_old_connections()
            try:
                report = self.tick_once()
                ticks += 1
                if report.actions.total() or ticks == 1:  # after start-up, after work
                    release_free_memory()
                self.beat(started, report.reminded)
            except Exception:
                logger.exception("dispatcher tick failed; retrying next tick")
            if time.monotonic() - last_purge >= PURGE_EVERY_SECONDS:
                last_purge = time.monotonic()
                self.purge_expired()
            if time.monotonic() - last_replies >= self._reply_period():
                last_replies = time.monotonic()
                self.ask_for_replies()
            guard.check()
            self.stopping.wait(period - (time.time() % period))
        connections.close_all()
        self.helper.submit(connections.close_all).result()
        self.helper.shutdown()

    def tick_once(self) -> BatchReport:
        """One tick on the database's clock, not this machine's: see `database_now`."""
        from pulserx.dispatch.tick import tick
        from pulserx.reminders.clock import database_now

        return tick(database_now(), self.helper)

    def purge_expired(self) -> None:
        """Accounts past their deletion grace period, expired access records and sessions
        (hourly)."""
        from pulserx.accounts.deletion import purge_expired

        try:
            report = purge_expired()
        except Exception:
            logger.exception("purge of deleted accounts failed; retrying in an hour")
            return
        if report.accounts or report.access_records or report.sessions:
            logger.info("purged %d accounts, %d access records and %d ended sessions",
                        report.accounts, report.access_records, report.sessions)

    def ask_for_replies(self) -> None:
        """Queue the reading of Matrix rooms' replies (a task on the channels queue; the
        tick itself never waits on a homeserver)."""
        from pulserx.notifications.tasks import ask_for_matrix_replies

        try:
            ask_for_matrix_replies()
        except Exception:
            logger.warning("could not ask for the Matrix rooms' replies", exc_info=True)

    def _reply_period(self) -> float:
        from django.conf import settings

        return float(settings.PULSERX_MATRIX_REPLY_SECONDS)

    def settle_tz_database(self) -> None:
        """Doses planned with another tz database release are planned again first."""
        from pulserx.reminders.planning import replan_if_tz_database_changed
        from pulserx.tzdb import in_use

        try:
            replan_if_tz_database_changed(in_use().version)
        except Exception:
            logger.exception("could not re-plan for the tz database; the next start retries")

    def _period(self) -> float:
        from django.conf import settings

        return float(settings.PULSERX_TICK_SECONDS)

    def beat(self, started: float, reminded: int) -> None:
        from pulserx.live import redis_client

        heartbeat = {"at": started, "took": time.time() - started, "reminded": reminded,
                     "rss_mb": round(rss_mb(), 1), "pid": os.getpid()}
        try:
            redis_client().set(HEARTBEAT_KEY, json.dumps(heartbeat), ex=3600)
        except Exception:
            logger.warning("could not write the dispatcher heartbeat", exc_info=True)


class DispatcherStep(bootsteps.StartStopStep):
    """Starts the tick thread with the worker and stops it (after its current tick) with it."""

    requires = ("celery.worker.components:Pool",)

    def create(self, worker: Any) -> None:
        self.thread: TickThread | None = None

    def start(self, worker: Any) -> None:
        # Connected here, not at import: only PulseRx's own worker has the guard.
        task_postrun.connect(_check_memory_after_task)
        self.thread = TickThread()
        self.thread.start()

    def stop(self, worker: Any) -> None:
        if self.thread is not None:
            self.thread.stopping.set()
            self.thread.join(timeout=60)
