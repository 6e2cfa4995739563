"""As-needed limits: at most N doses in any rolling period, and a minimum gap between doses.

Pure and stdlib-only. A limit is checked against the instants at which doses were taken
(the Django side collects them, across every medication of a limit group when there is
one). A dose may be recorded late ("I took it at 08:00"), so every rolling window that
would contain the new dose is checked, not only the one ending at it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

__all__ = ["Breach", "Limit", "LimitCheck", "check_limit"]


class Breach(StrEnum):
    TOO_MANY = "too_many"  # the rolling maximum would be exceeded
    TOO_SOON = "too_soon"  # closer than the minimum gap to another dose


@dataclass(frozen=True)
class Limit:
    max_doses: int | None = None
    period: timedelta = timedelta(hours=24)
    min_gap: timedelta | None = None

    def __post_init__(self) -> None:
        if self.max_doses is not None and self.max_doses < 1:
            raise ValueError("a maximum must allow at least one dose")
        if self.period <= timedelta(0):
            raise ValueError("a limit's period must be positive")
        if self.min_gap is not None and self.min_gap <= timedelta(0):
            raise ValueError("a minimum gap must be positive")

    @property
    def is_set(self) -> bool:
        return self.max_doses is not None or self.min_gap is not None


@dataclass(frozen=True)
class LimitCheck:
    """What a dose at ``at`` would break, and the first instant from ``at`` on that breaks
    nothing (None when that never comes within the doses known)."""

    at: datetime
    breaches: tuple[Breach, ...]
    in_period: int  # doses already taken in the rolling period ending at ``at``
    last_before: datetime | None  # the dose nearest before ``at`` (for the gap message)
    next_allowed: datetime | None

    @property
    def allowed(self) -> bool:
        return not self.breaches


def check_limit(limit: Limit, taken: Iterable[datetime], at: datetime) -> LimitCheck:
    """Check a dose at ``at`` against ``limit`` given the doses already ``taken``."""
    doses = sorted(taken)
    breaches = _breaches(limit, doses, at)
    before = [dose for dose in doses if dose <= at]
    return LimitCheck(
        at=at, breaches=breaches,
        in_period=sum(1 for dose in before if dose > at - limit.period),
        last_before=before[-1] if before else None,
        next_allowed=at if not breaches else _next_allowed(limit, doses, at),
    )


def _breaches(limit: Limit, doses: list[datetime], at: datetime) -> tuple[Breach, ...]:
    found: list[Breach] = []
    if limit.max_doses is not None and _window_overflows(limit, doses, at):
        found.append(Breach.TOO_MANY)
    if limit.min_gap is not None and any(abs(dose - at) < limit.min_gap for dose in doses):
        found.append(Breach.TOO_SOON)
    return tuple(found)


def _window_overflows(limit: Limit, doses: list[datetime], at: datetime) -> bool:
    """True if some window (end - period, end] holding ``at`` would hold more than the
    maximum. Such a window's count only rises at a dose, so checking the windows ending at
    ``at`` and at each later dose within one period covers them all."""
    assert limit.max_doses is not None
    ends = [at] + [dose for dose in doses if at < dose < at + limit.period]
    for end in ends:
        count = sum(1 for dose in doses if end - limit.period < dose <= end)
        if count + 1 > limit.max_doses:
            return True
    return False


def _next_allowed(limit: Limit, doses: list[datetime], at: datetime) -> datetime | None:
    """The earliest instant after ``at`` at which a dose breaks nothing. The answer is
    always one dose's "period later" or "gap later", so only those are tried."""
    candidates = sorted({dose + step for dose in doses
                         for step in (limit.period, limit.min_gap) if step is not None
                         if dose + step > at})
    for candidate in candidates:
        if not _breaches(limit, doses, candidate):
            return candidate
    return None
