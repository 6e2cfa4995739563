"""Interval schedules: a dose every N hours (or minutes) of elapsed time.

Pure and stdlib-only, like :mod:`pulserx.reminders.schedule`. An interval is counted in real
elapsed time, never on the wall clock, so it is immune to DST by construction: "every 8 h" is
8 h apart in UTC on a change night too (the wall clock then reads 7 h or 9 h later).

Without a waking window the doses are ``anchor + k x every`` for k = 0, 1, 2, …

With a waking window (say 08:00 to 22:00) each local day starts again at the window's opening
(read with the RFC 5545 rules of :func:`~pulserx.reminders.schedule.to_utc`) and repeats every
N hours while still inside the window; no dose falls in the night. On the anchor's own day
the series counts from the anchor instead, which is how "count from when the last dose was
taken" restarts the rest of a day.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pulserx.reminders.schedule import to_utc

__all__ = ["IntervalPlan", "course_from_next", "interval_occurrences", "next_interval"]

MIN_EVERY = timedelta(minutes=15)
MAX_EVERY = timedelta(days=7)
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class IntervalPlan:
    """Every ``every`` of elapsed time from ``anchor`` (aware), optionally only inside the
    local waking window ``window_start``..``window_end`` (naive wall times, start < end),
    up to the local day ``last_day`` (inclusive) and at most ``count`` doses in all."""

    anchor: datetime
    every: timedelta
    window_start: time | None = None
    window_end: time | None = None
    last_day: date | None = None
    count: int | None = None

    def __post_init__(self) -> None:
        if self.anchor.tzinfo is None or self.anchor.utcoffset() is None:
            raise ValueError("the anchor must be an aware datetime")
        object.__setattr__(self, "anchor", self.anchor.astimezone(UTC))
        if not MIN_EVERY <= self.every <= MAX_EVERY:
            raise ValueError("an interval must be between 15 minutes and 7 days")
        if (self.window_start is None) != (self.window_end is None):
            raise ValueError("a waking window needs both a start and an end")
        if self.window_start is not None and self.window_end is not None \
                and not self.window_start < self.window_end:
            raise ValueError("the waking window must start before it ends")
        if self.count is not None and self.count < 1:
            raise ValueError("a dose count must be at least 1")
        if isinstance(self.last_day, datetime):
            raise ValueError("the last day must be a date")

    @property
    def windowed(self) -> bool:
        return self.window_start is not None


def interval_occurrences(plan: IntervalPlan, zone: ZoneInfo, after: datetime,
                         until: datetime) -> Iterator[datetime]:
    """The plan's due instants in ``(after, until]``, increasing, as aware UTC datetimes."""
    after, until = after.astimezone(UTC), until.astimezone(UTC)
    if plan.last_day is not None:
        until = min(until, _last_instant(plan.last_day, zone))
    for index, instant in enumerate(_series(plan, zone)):
        if (plan.count is not None and index >= plan.count) or instant > until:
            return
        if instant > after:
            yield instant


def next_interval(plan: IntervalPlan, zone: ZoneInfo, after: datetime) -> datetime | None:
    """The first due instant strictly after ``after``, or None once the plan has ended."""
    if plan.count is None and not plan.windowed:
        # Jump straight to the right k: the series is arithmetic.
        steps = max(0, (after.astimezone(UTC) - plan.anchor) // plan.every + 1)
        candidate = plan.anchor + steps * plan.every
        if candidate <= after:
            candidate += plan.every
        if plan.last_day is not None and candidate > _last_instant(plan.last_day, zone):
            return None
        return candidate
    horizon = after + MAX_EVERY + 2 * _ONE_DAY
    return next(interval_occurrences(plan, zone, after, horizon), None)


def course_from_next(plan: IntervalPlan, zone: ZoneInfo, now: datetime) -> IntervalPlan:
    """A course of ``count`` doses whose first time has already passed at ``now`` starts at
    the next time of its series instead, so that all ``count`` doses are still ahead and
    each is reminded ("every 8 hours from 06:00, 21 doses", added at 16:09, starts 22:00).
    Plans without a count, or whose first dose is ahead, are returned as they are."""
    if plan.count is None or plan.anchor > now:
        return plan
    first = next_interval(replace(plan, count=None, last_day=None), zone, now)
    return plan if first is None else replace(plan, anchor=first)


def _last_instant(day: date, zone: ZoneInfo) -> datetime:
    """The last instant of local ``day``."""
    return to_utc(day + _ONE_DAY, time(0, 0), zone) - timedelta(microseconds=1)


def _series(plan: IntervalPlan, zone: ZoneInfo) -> Iterator[datetime]:
    """Every dose instant of the plan from the anchor on, without end or count."""
    if not plan.windowed:
        instant = plan.anchor
        while True:
            yield instant
            instant += plan.every
    day = plan.anchor.astimezone(zone).date()
    while True:
        yield from _day_series(plan, zone, day)
        day += _ONE_DAY


def _day_series(plan: IntervalPlan, zone: ZoneInfo, day: date) -> Iterator[datetime]:
    """The doses of one local day inside the waking window."""
    assert plan.window_start is not None and plan.window_end is not None
    opens = to_utc(day, plan.window_start, zone)
    closes = to_utc(day, plan.window_end, zone)
    instant = opens
    if plan.anchor.astimezone(zone).date() == day and plan.anchor > opens:
        instant = plan.anchor
    while instant <= closes:
        if instant >= plan.anchor:
            yield instant
        instant += plan.every
