"""The dispatcher tick: materialise → claim → deliver → finish.

Each step can be called on its own (tests do); `tick` runs them in order. The database is the
truth: a dose is delivered when the transaction that marks it notified and writes its inbox
row commits. Live events are published after commit (at most once: the inbox reconciles) and
slow channels are Celery tasks sent on commit, carrying delivery ids only.
"""

from __future__ import annotations

import logging
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db.models import F
from django.utils import timezone

from pulserx import live
from pulserx.dispatch import fanout
from pulserx.dispatch.claims import claim_due_doses
from pulserx.dispatch.decide import Action, Decision, decide
from pulserx.dispatch.refills import deliver_due_refills
from pulserx.dispatch.rows import DoseRow, claimed_rows, due_rows
from pulserx.reminders.models import Dose, DoseStatus
from pulserx.reminders.planning import materialise_upcoming

logger = logging.getLogger("pulserx.dispatch")

@dataclass
class BatchReport:
    """What one or more batches did: doses per action, late reminders, live events, time."""

    actions: Counter[Action] = field(default_factory=Counter)
    late: int = 0
    published: int = 0
    seconds: float = 0.0

    reminded = property(lambda self: self.actions[Action.REMIND])
    realerts = property(lambda self: self.actions[Action.REALERT])
    missed = property(lambda self: self.actions[Action.MISS])
    missed_quietly = property(lambda self: self.actions[Action.MISS_QUIETLY])

    def add(self, other: BatchReport) -> None:
        self.actions.update(other.actions)
        self.late += other.late
        self.published += other.published
        self.seconds += other.seconds


def finish_doses(decided: list[tuple[DoseRow, Decision]], now: datetime,
                 token: str | None = None) -> None:
    """Write each dose's new state and release any claim, one UPDATE per kind of change
    (a burst's doses all change alike: one UPDATE). With `token`, only doses still
    claimed under it are written."""
    groups: dict[tuple[Action, bool, datetime | None], list[int]] = defaultdict(list)
    for row, decision in decided:
        groups[(decision.action, decision.late, decision.next_action_at)].append(row.id)
    guard = {"claim_token": token} if token is not None else {}
    chunk = (connection.features.max_query_params or 65_000) - 1
    for (action, late, next_action_at), ids in groups.items():
        changes: dict[str, Any] = {"next_action_at": next_action_at, "lease_until": None,
                                   "claim_token": ""}
        if action in (Action.REMIND, Action.REALERT):
            changes["alerts_sent"] = F("alerts_sent") + 1
        if action == Action.REMIND:
            changes.update(status=DoseStatus.NOTIFIED, late=late, reminded_at=now)
        if action in (Action.MISS, Action.MISS_QUIETLY):
            changes["status"] = DoseStatus.MISSED
        for start in range(0, len(ids), chunk):
            Dose.objects.filter(id__in=ids[start:start + chunk], **guard).update(**changes)


def deliver(rows: list[DoseRow], now: datetime, token: str | None = None
            ) -> tuple[list[tuple[DoseRow, Decision]], list[live.Event]]:
    """Decide, write the doses' new state and their inbox rows: inside the caller's
    transaction, so all of it commits together or not at all."""
    grace = settings.PULSERX_LATE_GRACE
    decided = [(row, decide(row, now, grace)) for row in rows]
    finish_doses(decided, now, token)
    return decided, fanout.record(decided, now)


def report_of(decided: list[tuple[DoseRow, Decision]], events: list[live.Event],
              started: float) -> BatchReport:
    return BatchReport(
        actions=Counter(decision.action for _, decision in decided),
        late=sum(decision.late for _, decision in decided),
        published=fanout.publish_after_commit(events),
        seconds=time.perf_counter() - started,
    )


def deliver_batch(token: str, now: datetime) -> BatchReport:
    """Deliver the doses claimed under `token` and release them; return what happened."""
    started = time.perf_counter()
    with transaction.atomic():
        decided, events = deliver(claimed_rows(token), now, token)
    return report_of(decided, events, started)


def deliver_due(now: datetime, limit: int) -> BatchReport:
    """PostgreSQL: claim up to `limit` due doses by row lock, deliver them and commit, all
    in one transaction: no lease to write first and no second round of statements."""
    started = time.perf_counter()
    with transaction.atomic():
        decided, events = deliver(due_rows(now, limit), now)
    return report_of(decided, events, started)


def claim_and_deliver(now: datetime, limit: int) -> BatchReport:
    """SQLite: lease a batch in one guarded UPDATE (it serialises writers), then deliver it."""
    token, ids = claim_due_doses(now, limit, settings.PULSERX_LEASE)
    if not ids:
        return BatchReport()
    return deliver_batch(token, now)


Batch = Callable[[datetime, int], BatchReport]


def drain(batch: Batch, now: datetime, limit: int) -> BatchReport:
    """Deliver batches until none is left; return their sum."""
    total = BatchReport()
    while (report := batch(now, limit)).actions:
        log_batch(report)
        total.add(report)
    return total


def drain_in_helper(batch: Batch, now: datetime, limit: int) -> BatchReport:
    """`drain` in a helper thread, on that thread's own database connection."""
    close_old_connections()
    try:
        return drain(batch, now, limit)
    finally:
        close_old_connections()


def deliver_all(now: datetime, limit: int, helper: Executor | None = None) -> BatchReport:
    """Every dose due by `now`, in batches of `limit`. On PostgreSQL, when more than one
    batch is due and there is a `helper`, a second thread drains beside this one: while one
    thread's batch is in the database the other's is built in Python, and the row locks of
    the claim keep their batches apart."""
    if connection.vendor != "postgresql":
        return drain(claim_and_deliver, now, limit)
    if helper is None:
        return drain(deliver_due, now, limit)
    total = deliver_due(now, limit)
    if total.actions:
        log_batch(total)
    if total.actions.total() < limit:  # that was all that is due
        return total
    beside = helper.submit(drain_in_helper, deliver_due, now, limit)
    total.add(drain(deliver_due, now, limit))
    total.add(beside.result())
    return total


def tick(now: datetime | None = None, helper: Executor | None = None) -> BatchReport:
    """One pass of the dispatcher. Returns the sum of the batches it delivered; `helper`
    (the worker's) may drain a burst beside it."""
    now = now or timezone.now()
    materialise_upcoming(now, settings.PULSERX_LOOKAHEAD)
    total = deliver_all(now, settings.PULSERX_CLAIM_BATCH, helper)
    fanout.resend_due_deliveries(now)
    deliver_due_refills(now)  # after the doses' slow channels: a refill is never urgent
    return total


def log_batch(report: BatchReport) -> None:
    # Counts and timings only: never a medication name, never a patient.
    logger.info(
        "delivered %d reminders, %d late, %d re-alerts, %d missed, %d missed while away, "
        "%d live events, in %.0f ms",
        report.reminded, report.late, report.realerts, report.missed, report.missed_quietly,
        report.published, report.seconds * 1000,
    )
