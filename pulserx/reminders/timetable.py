"""One interface over every kind of schedule: which doses fall in a window, and the next one.

Pure and stdlib-only. The dispatcher, the Today page, the iCal feed and the FHIR export all
ask a :class:`Timetable` and never the kinds directly, so they cannot disagree:

* :class:`WallTimetable` — wall times on dose days (:mod:`~pulserx.reminders.schedule`);
* :class:`IntervalTimetable` — every N hours of elapsed time (:mod:`~pulserx.reminders.intervals`);
* :class:`TaperTimetable` — consecutive phases (:mod:`~pulserx.reminders.tapering`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Protocol
from zoneinfo import ZoneInfo

from pulserx.reminders.intervals import IntervalPlan, interval_occurrences, next_interval
from pulserx.reminders.schedule import Plan, next_occurrence, timed_occurrences
from pulserx.reminders.tapering import TaperPlan, phase_plans

__all__ = ["DueDose", "IntervalTimetable", "TaperTimetable", "Timetable", "WallTimetable"]

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class DueDose:
    """A dose the schedule asks for: when (aware UTC), how much, and for wall-clock kinds the
    slot that fires it, the plan's time of day on a local day (None for elapsed-time kinds)."""

    at: datetime
    amount: Decimal
    wall: time | None = None
    day: date | None = None


class Timetable(Protocol):
    def doses(self, zone: ZoneInfo, after: datetime, until: datetime) -> list[DueDose]:
        """The doses due in ``(after, until]``, in increasing time."""

    def next_after(self, zone: ZoneInfo, after: datetime) -> datetime | None:
        """The first due instant strictly after ``after``; None once the schedule ended."""


@dataclass(frozen=True)
class WallTimetable:
    """Wall times of day on the dose days of ``plan``; ``amounts[i]`` at ``plan.times[i]``."""

    plan: Plan
    amounts: tuple[Decimal, ...]

    def doses(self, zone: ZoneInfo, after: datetime, until: datetime) -> list[DueDose]:
        amount_of = dict(zip(self.plan.times, self.amounts, strict=True))
        return [DueDose(found.at, amount_of.get(found.wall, Decimal(1)), found.wall, found.day)
                for found in timed_occurrences(self.plan, zone, after, until)]

    def next_after(self, zone: ZoneInfo, after: datetime) -> datetime | None:
        return next_occurrence(self.plan, zone, after)


@dataclass(frozen=True)
class IntervalTimetable:
    plan: IntervalPlan
    amount: Decimal

    def doses(self, zone: ZoneInfo, after: datetime, until: datetime) -> list[DueDose]:
        return [DueDose(at, self.amount)
                for at in interval_occurrences(self.plan, zone, after, until)]

    def next_after(self, zone: ZoneInfo, after: datetime) -> datetime | None:
        return next_interval(self.plan, zone, after)


@dataclass(frozen=True)
class TaperTimetable:
    plan: TaperPlan

    def doses(self, zone: ZoneInfo, after: datetime, until: datetime) -> list[DueDose]:
        found: dict[datetime, DueDose] = {}
        for part in self._parts():
            for dose in part.doses(zone, after, until):
                found.setdefault(dose.at, dose)  # phases are disjoint days; be safe anyway
        return [found[at] for at in sorted(found)]

    def next_after(self, zone: ZoneInfo, after: datetime) -> datetime | None:
        candidates = [at for part in self._parts()
                      if (at := part.next_after(zone, after)) is not None]
        return min(candidates, default=None)

    def _parts(self) -> Iterator[WallTimetable]:
        for phase, plan in zip(self.plan.phases, phase_plans(self.plan), strict=True):
            by_time = dict(zip(phase.times, phase.amounts, strict=True))
            yield WallTimetable(plan, wall_amounts(plan.times, by_time))


def wall_amounts(times: tuple[time, ...], by_time: dict[time, Decimal]) -> tuple[Decimal, ...]:
    """The amounts in the order of a plan's (sorted) times."""
    return tuple(by_time.get(wall, Decimal(1)) for wall in times)
