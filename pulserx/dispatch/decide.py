"""What the dispatcher does with a claimed dose: a pure decision, no database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

# A reminder that goes out this much after its time is marked late in the inbox.
LATE_AFTER = timedelta(seconds=60)


class Action(StrEnum):
    REMIND = "remind"            # first alert, or the alert after a snooze
    REALERT = "realert"          # still not acted on: remind again
    MISS = "miss"                # deadline passed after an alert: missed, tell caregivers
    #                              (never for a test reminder: it only proves delivery)
    MISS_QUIETLY = "miss_quietly"  # found too late to remind: missed, one summary
    NOTHING = "nothing"          # only re-arm (or drop) the next check


class DoseFields(Protocol):
    """What a decision reads of a dose: a `DoseView`, or the dispatcher's `DoseRow`."""

    @property
    def status(self) -> str: ...
    @property
    def due_at(self) -> datetime: ...
    @property
    def snoozed_until(self) -> datetime | None: ...
    @property
    def reminded_at(self) -> datetime | None: ...
    @property
    def moved_at(self) -> datetime | None: ...
    @property
    def alerts_sent(self) -> int: ...
    @property
    def missed_after(self) -> timedelta: ...
    @property
    def realert_every(self) -> timedelta: ...
    @property
    def realert_limit(self) -> int: ...
    @property
    def is_test(self) -> bool: ...


@dataclass(frozen=True)
class DoseView:
    status: str                  # DoseStatus value
    due_at: datetime
    snoozed_until: datetime | None
    reminded_at: datetime | None  # when the last first-alert (or post-snooze alert) went out
    alerts_sent: int
    missed_after: timedelta
    realert_every: timedelta     # zero: no re-alerts
    realert_limit: int
    is_test: bool = False        # a test reminder: proves delivery, nothing more
    moved_at: datetime | None = None  # a clock change put its time in the past then


def realerts(dose: DoseFields) -> bool:
    """Whether the dose is reminded again until acted on. A test reminder never is."""
    return bool(dose.realert_every) and not dose.is_test


@dataclass(frozen=True)
class Decision:
    action: Action
    late: bool = False
    next_action_at: datetime | None = None


def alert_time(dose: DoseFields) -> datetime:
    """When the dose is to be reminded: its time, the end of a snooze, or the moment a clock
    change put its time in the past (it is still that day's dose, reminded at once)."""
    return dose.snoozed_until or dose.moved_at or dose.due_at


def missed_deadline(dose: DoseFields) -> datetime:
    """A dose not acted on by then is missed. The clock starts when the patient was reminded
    (a late reminder still gives them the full window) and a snooze restarts it."""
    return (dose.reminded_at or alert_time(dose)) + dose.missed_after


def next_check(dose: DoseFields, alerts_sent: int, alerted_at: datetime,
               deadline: datetime) -> datetime:
    """When to look at a notified dose again: the next re-alert or the missed deadline."""
    if realerts(dose) and alerts_sent <= dose.realert_limit:
        return min(alerted_at + dose.realert_every, deadline)
    return deadline


def decide(dose: DoseFields, now: datetime, grace: timedelta) -> Decision:
    """Decide what a claimed dose needs at `now` (`grace`: how late a reminder may still go)."""
    if dose.status == "scheduled":
        lateness = now - alert_time(dose)
        if lateness > grace:
            return Decision(Action.MISS_QUIETLY)
        deadline = now + dose.missed_after
        return Decision(Action.REMIND, late=lateness > LATE_AFTER,
                        next_action_at=next_check(dose, dose.alerts_sent + 1, now, deadline))
    if dose.status == "notified":
        if now >= missed_deadline(dose):
            return Decision(Action.MISS)
        if not realerts(dose) or dose.alerts_sent > dose.realert_limit:
            return Decision(Action.NOTHING, next_action_at=missed_deadline(dose))
        return Decision(Action.REALERT, next_action_at=next_check(
            dose, dose.alerts_sent + 1, now, missed_deadline(dose)))
    return Decision(Action.NOTHING)
