"""Tapering and titration plans: consecutive phases, each with its own dose and times.

Pure and stdlib-only. "40 mg x 5 days, then 30 mg x 5 days, then 20 mg x 5 days" is a list of
phases laid end to end from a start date: each phase is an ordinary daily
:class:`~pulserx.reminders.schedule.Plan` whose first day is the day after the previous
phase's last, so phases never overlap and never leave a day out. After the last phase the
medication either ends or carries on with the last phase for good.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from pulserx.clock_format import page_time
from pulserx.reminders.schedule import Plan, Recurrence, to_utc

__all__ = ["Phase", "TaperPlan", "first_day_problem", "passed_on_first_day", "phase_dates",
           "phase_index_on", "phase_plans"]

MAX_PHASES = 24
MAX_PHASE_DAYS = 365


@dataclass(frozen=True)
class Phase:
    """``days`` days of doses at ``times`` (wall times), ``amounts[i]`` taken at ``times[i]``."""

    days: int
    times: tuple[time, ...]
    amounts: tuple[Decimal, ...]

    def __post_init__(self) -> None:
        if not 1 <= self.days <= MAX_PHASE_DAYS:
            raise ValueError(f"a phase lasts 1 to {MAX_PHASE_DAYS} days, got {self.days}")
        if len(self.times) != len(self.amounts):
            raise ValueError("a phase needs one amount per time")
        if not self.times:
            raise ValueError("a phase needs at least one time of day")

    def amount_at(self, wall: time) -> Decimal:
        return dict(zip(self.times, self.amounts, strict=True)).get(wall, Decimal(1))


@dataclass(frozen=True)
class TaperPlan:
    start: date
    phases: tuple[Phase, ...]
    continue_last: bool = False  # after the last phase: keep taking it (True) or stop

    def __post_init__(self) -> None:
        if not 1 <= len(self.phases) <= MAX_PHASES:
            raise ValueError(f"a tapering plan has 1 to {MAX_PHASES} phases")
        phase_plans(self)  # each phase is a daily plan: its rules (e.g. times per day) hold

    @property
    def end(self) -> date | None:
        """The last dose day, or None when the last phase continues."""
        return None if self.continue_last else phase_dates(self)[-1][1]


def phase_dates(plan: TaperPlan) -> list[tuple[date, date | None]]:
    """Each phase's first and last day (inclusive); the last is None if it continues."""
    result: list[tuple[date, date | None]] = []
    first = plan.start
    for index, phase in enumerate(plan.phases):
        last = first + timedelta(days=phase.days - 1)
        is_final = index == len(plan.phases) - 1
        result.append((first, None if is_final and plan.continue_last else last))
        first = last + timedelta(days=1)
    return result


def phase_plans(plan: TaperPlan) -> list[Plan]:
    """One daily plan per phase, meeting end to end."""
    return [Plan(times=phase.times, recurrence=Recurrence.DAILY, start=first, end=last)
            for phase, (first, last) in zip(plan.phases, phase_dates(plan), strict=True)]


def phase_index_on(plan: TaperPlan, day: date) -> int | None:
    """The index of the phase local ``day`` belongs to, or None before or after the plan."""
    for index, (first, last) in enumerate(phase_dates(plan)):
        if first <= day and (last is None or day <= last):
            return index
    return None


def passed_on_first_day(start: date, first: Phase, zone: ZoneInfo,
                        now: datetime) -> list[time]:
    """The times of the first phase that have already passed at `now` on the plan's first
    day: a plan saved with these would give its first step fewer doses than it says, so the
    patient is asked to start another day instead."""
    return [wall for wall in first.times if to_utc(start, wall, zone) <= now]


def first_day_problem(plan: TaperPlan, zone: ZoneInfo, now: datetime) -> str | None:
    """Why a new plan cannot start when it says (some of its first day's doses have already
    passed, so its first step would be short), or None. Asked of every new plan, from the
    page and the API alike."""
    first = plan.phases[0]
    passed = passed_on_first_day(plan.start, first, zone, now)
    if not passed:
        return None
    times = ", ".join(page_time(wall) for wall in passed)
    day = plan.start
    return (f"On {day:%a} {day.day} {day:%b} {times} {'has' if len(passed) == 1 else 'have'} "
            f"already passed, so the first step would have {len(first.times) - len(passed)} "
            f"of its {len(first.times)} doses that day. Start the plan on a later day.")
