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
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from pulserx.dispatch import fanout
from pulserx.dispatch.claims import claim_due_doses
from pulserx.dispatch.decide import Action, Decision, decide
from pulserx.dispatch.refills import deliver_due_refills
from pulserx.dispatch.rows import DoseRow, claimed_rows
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


def finish_doses(token: str, decided: list[tuple[DoseRow, Decision]],
                 now: datetime) -> None:
    """Write each dose's new state and release the claim, one UPDATE per kind of change."""
    groups: dict[tuple[Action, bool, datetime | None], list[int]] = defaultdict(list)
    for row, decision in decided:
        groups[(decision.action, decision.late, decision.next_action_at)].append(row.id)
    for (action, late, next_action_at), ids in groups.items():
        changes: dict[str, Any] = {"next_action_at": next_action_at, "lease_until": None,
                                   "claim_token": ""}
        if action in (Action.REMIND, Action.REALERT):
            changes["alerts_sent"] = F("alerts_sent") + 1
        if action == Action.REMIND:
            changes.update(status=DoseStatus.NOTIFIED, late=late, reminded_at=now)
        if action in (Action.MISS, Action.MISS_QUIETLY):
            changes["status"] = DoseStatus.MISSED
        if len(groups) == 1:  # the usual burst: every dose changes alike
            Dose.objects.filter(claim_token=token).update(**changes)
            continue
        chunk = (connection.features.max_query_params or len(ids) + 1) - 1
        for start in range(0, len(ids), chunk):
            Dose.objects.filter(id__in=ids[start:start + chunk], claim_token=token).update(
                **changes)


def deliver_batch(token: str, now: datetime) -> BatchReport:
    """Deliver the doses claimed under `token` and release them; return what happened."""
    started = time.perf_counter()
    grace = settings.PULSERX_LATE_GRACE
    with transaction.atomic():
        decided = [(row, decide(row, now, grace)) for row in claimed_rows(token)]
        finish_doses(token, decided, now)
        events = fanout.record(decided, now)
    return BatchReport(
        actions=Counter(decision.action for _, decision in decided),
        late=sum(decision.late for _, decision in decided),
        published=fanout.publish_after_commit(events),
        seconds=time.perf_counter() - started,
    )


def tick(now: datetime | None = None) -> BatchReport:
    """One pass of the dispatcher. Returns the sum of the batches it delivered."""
    now = now or timezone.now()
    materialise_upcoming(now, settings.PULSERX_LOOKAHEAD)
    total = BatchReport()
    while True:
        token, ids = claim_due_doses(now, settings.PULSERX_CLAIM_BATCH, settings.PULSERX_LEASE)
        if not ids:
            break
        report = deliver_batch(token, now)
        log_batch(report)
        total.add(report)
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
