"""Dose-schedule arithmetic: which local days are dose days, and when (in UTC) a reminder fires.

Pure and stdlib-only (no Django) so the dispatcher, the iCal feed and the tests share one
definition of "when is this dose due".

Wall-clock rules follow RFC 5545 §3.3.5, so a calendar subscription and the reminders agree:

* A plan names local wall times of day ("08:00"); the dose is due at that wall time every dose
  day, whatever the UTC offset does.
* A wall time that does not exist (inside a DST gap) is read with the UTC offset in force
  *before* the transition: 02:30 on a US spring-forward night fires at 03:30 new time.
* A wall time that occurs twice (inside a fold) fires once, at its first occurrence.
* Two wall times that land on the same instant (02:30 and 03:30 on a spring-forward night)
  give one reminder: a Dose row is unique on (schedule, due_at).

Python's ``zoneinfo`` with ``fold=0`` implements exactly the first two rules (PEP 495), which
is why :func:`to_utc` is a one-liner; the tests pin the behaviour down zone by zone.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import NamedTuple
from zoneinfo import ZoneInfo

__all__ = [
    "FIRST_DATE",
    "LAST_DATE",
    "MAX_PERIOD_DAYS",
    "MAX_TIMES_PER_DAY",
    "WALL_RECURRENCES",
    "Occurrence",
    "Plan",
    "Recurrence",
    "TravelPolicy",
    "clock_zone",
    "is_dose_day",
    "next_occurrence",
    "occurrences",
    "timed_occurrences",
    "to_utc",
]

_ONE_DAY = timedelta(days=1)

# Bounds that keep every plan's work small and its arithmetic far from date/timedelta limits.
MAX_TIMES_PER_DAY = 24
MAX_PERIOD_DAYS = 365  # every_days, days_on, days_off
FIRST_DATE = date(2000, 1, 1)
LAST_DATE = date(2199, 12, 31)


class Recurrence(StrEnum):
    """Which local days a plan's doses fall on."""

    DAILY = "daily"
    WEEKDAYS = "weekdays"  # only on the listed days of the week
    INTERVAL = "interval"  # every N days, counted from the start date
    CYCLE = "cycle"  # N days on, then M days off, repeating from the start date
    AS_NEEDED = "as_needed"  # PRN: never scheduled, the patient logs doses themselves
    # Not wall-time plans: see reminders/intervals.py and reminders/tapering.py.
    EVERY_HOURS = "every_hours"  # every N hours of elapsed time from an anchor
    TAPER = "taper"  # consecutive phases, each with its own dose and times


# The recurrences a Plan of wall times can hold (the others have their own modules).
WALL_RECURRENCES = (Recurrence.DAILY, Recurrence.WEEKDAYS, Recurrence.INTERVAL,
                    Recurrence.CYCLE, Recurrence.AS_NEEDED)


class TravelPolicy(StrEnum):
    """Which clock reminders follow when the patient is away from home."""

    HOME_CLOCK = "home"  # keep home time (e.g. contraceptives: every 24 h, wherever you are)
    LOCAL_CLOCK = "local"  # follow the current time zone (e.g. "with breakfast")


@dataclass(frozen=True)
class Plan:
    """A validated dose plan: wall times of day plus the rule choosing the dose days.

    On construction ``times`` is normalised to a sorted tuple of naive ``time`` values with
    ``fold=0``, ``weekdays`` to a frozenset and ``recurrence`` to a :class:`Recurrence` (so
    raw strings from the database are accepted). Invalid plans raise ``ValueError``.
    """

    times: tuple[time, ...]
    recurrence: Recurrence
    start: date
    end: date | None = None  # inclusive
    weekdays: frozenset[int] = frozenset()  # WEEKDAYS only: 0 = Monday .. 6 = Sunday
    every_days: int = 1  # INTERVAL only
    days_on: int = 0  # CYCLE only
    days_off: int = 0  # CYCLE only

    def __post_init__(self) -> None:
        # frozen=True forbids plain assignment; normalising here means every consumer
        # (and every equality/hash) sees the canonical form.
        object.__setattr__(self, "recurrence", Recurrence(self.recurrence))
        object.__setattr__(self, "weekdays", frozenset(self.weekdays))
        object.__setattr__(self, "times", _normalise_times(self.times))
        _check_dates(self.start, self.end)
        _check_recurrence(self)
        if not self.times and self.recurrence is not Recurrence.AS_NEEDED:
            raise ValueError(f"a {self.recurrence} plan needs at least one time of day")


def _normalise_times(times: Iterable[time]) -> tuple[time, ...]:
    """Return the times sorted, naive and with fold=0; raise ValueError on bad input."""
    result: list[time] = []
    times = tuple(times)
    if len(times) > MAX_TIMES_PER_DAY:
        raise ValueError(f"at most {MAX_TIMES_PER_DAY} times of day, got {len(times)}")
    for wall in times:
        if wall.tzinfo is not None:
            # An aware time would silently lose its zone in datetime.combine(..., tzinfo=zone).
            raise ValueError(f"times must be naive local wall times, got {wall.isoformat()}")
        result.append(wall.replace(fold=0))  # fold=0 is what selects the RFC 5545 reading
    if len(set(result)) != len(result):
        raise ValueError("times must not contain duplicates")
    return tuple(sorted(result))


def _check_dates(start: date, end: date | None) -> None:
    """Raise ValueError unless start/end are plain dates with end >= start."""
    # datetime subclasses date; one here would make day arithmetic raise TypeError later.
    if isinstance(start, datetime) or isinstance(end, datetime):
        raise ValueError("start and end must be dates, not datetimes")
    for name, day in (("start", start), ("end", end)):
        if day is not None and not FIRST_DATE <= day <= LAST_DATE:
            raise ValueError(f"{name} ({day}) must be within {FIRST_DATE}..{LAST_DATE}")
    if end is not None and end < start:
        raise ValueError(f"end ({end}) must not be before start ({start})")


def _check_recurrence(plan: Plan) -> None:
    """Raise ValueError if the recurrence-specific fields are unusable."""
    if plan.recurrence not in WALL_RECURRENCES:
        raise ValueError(f"a {plan.recurrence} schedule is not a plan of wall times")
    if not 1 <= plan.every_days <= MAX_PERIOD_DAYS:
        raise ValueError(f"every_days must be within 1..{MAX_PERIOD_DAYS}, "
                         f"got {plan.every_days}")
    for name in ("days_on", "days_off"):
        if getattr(plan, name) > MAX_PERIOD_DAYS:
            raise ValueError(f"{name} must be at most {MAX_PERIOD_DAYS}")
    if plan.recurrence is Recurrence.WEEKDAYS:
        if not plan.weekdays:
            raise ValueError("a weekdays plan needs at least one weekday")
        if not plan.weekdays <= frozenset(range(7)):
            raise ValueError(f"weekdays must be within 0 (Monday)..6 (Sunday), got {plan.weekdays}")
    if plan.recurrence is Recurrence.CYCLE:
        if plan.days_on < 1:
            raise ValueError(f"a cycle needs days_on >= 1, got {plan.days_on}")
        if plan.days_off < 0:
            raise ValueError(f"a cycle needs days_off >= 0, got {plan.days_off}")


def is_dose_day(plan: Plan, day: date) -> bool:
    """Return True if doses are scheduled on local date ``day``.

    Days before ``start`` or after ``end`` never are; as-needed plans have no dose days.
    """
    if day < plan.start or (plan.end is not None and day > plan.end):
        return False
    offset = (day - plan.start).days
    match plan.recurrence:
        case Recurrence.DAILY:
            return True
        case Recurrence.WEEKDAYS:
            return day.weekday() in plan.weekdays
        case Recurrence.INTERVAL:
            return offset % plan.every_days == 0
        case Recurrence.CYCLE:
            return offset % (plan.days_on + plan.days_off) < plan.days_on
        case _:  # as-needed, and the kinds that are not wall-time plans
            return False


def to_utc(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """Return the aware UTC instant at which wall time ``wall`` on local date ``day`` is due.

    A wall time in a DST gap is read with the offset before the transition; one in a fold
    resolves to its first (earlier) occurrence. ``wall.fold`` is ignored. Raises ValueError
    for an aware ``wall``.
    """
    if wall.tzinfo is not None:
        raise ValueError(f"wall must be a naive local time, got {wall.isoformat()}")
    # PEP 495: fold=0 means "offset before the transition" in both gaps and folds,
    # which is exactly the RFC 5545 reading.
    local = datetime.combine(day, wall.replace(fold=0), tzinfo=zone)
    return local.astimezone(UTC)


def occurrences(plan: Plan, zone: ZoneInfo, after: datetime, until: datetime) -> Iterator[datetime]:
    """Return an iterator over the plan's due instants in ``(after, until]``.

    The instants are aware UTC datetimes, strictly increasing: each instant is yielded once
    even when several wall times (or, as in Samoa's skipped 30 Dec 2011, several days) map
    to it. Empty for as-needed plans. Raises ValueError at call time (not on first
    ``next``) if ``after`` or ``until`` is naive.
    """
    return (found.at for found in timed_occurrences(plan, zone, after, until))


class Occurrence(NamedTuple):
    """A due instant and the slot that fires it: the plan's wall time on its local day."""

    at: datetime
    wall: time
    day: date


def timed_occurrences(
    plan: Plan, zone: ZoneInfo, after: datetime, until: datetime
) -> Iterator[Occurrence]:
    """Like :func:`occurrences`, but each instant comes with the slot that fires it (the
    earliest wall time when several land on the same instant).

    The wall time is not simply the local clock reading: 02:30 inside a DST gap fires when
    the clock shows 03:30. Cost is linear in the number of instants.
    """
    _require_aware(after, "after")
    _require_aware(until, "until")
    return _occurrences(plan, zone, after.astimezone(UTC), until.astimezone(UTC))


def _occurrences(
    plan: Plan, zone: ZoneInfo, after: datetime, until: datetime
) -> Iterator[Occurrence]:
    """Yield the occurrences due in (after, until], increasing and without repeats."""
    # Instants are buffered in a heap because the wall->UTC map is not monotonic: in a gap,
    # 02:30 (read with the old offset) is later than 03:15. Once day d is pushed, no later
    # day can produce an instant at or before d's UTC midnight (see _candidate_days), so
    # everything up to there is final and can be released in order.
    pending: list[Occurrence] = []
    for day in _candidate_days(plan, after, until):
        for wall in plan.times:
            instant = to_utc(day, wall, zone)
            if after < instant <= until:
                heapq.heappush(pending, Occurrence(instant, wall, day))
        yield from _release(pending, _utc_midnight(day))
    yield from _release(pending, until)


def _candidate_days(plan: Plan, after: datetime, until: datetime) -> Iterator[date]:
    """Yield, in order, the dose days whose instants may fall in (after, until] (UTC)."""
    # UTC offsets are strictly within ±24 h, so wall times on local day d map into the open
    # UTC interval (d-1 00:00, d+2 00:00). That bound holds for every zone, even Samoa's
    # skipped day, so a margin computed from UTC dates never misses an instant.
    if plan.recurrence is Recurrence.AS_NEEDED:
        return
    day = max(plan.start, after.date() - _ONE_DAY)
    last = until.date() + _ONE_DAY
    if plan.end is not None:
        last = min(last, plan.end)
    while day <= last:
        if is_dose_day(plan, day):
            yield day
        day += _ONE_DAY


def _release(pending: list[Occurrence], bound: datetime) -> Iterator[Occurrence]:
    """Pop and yield heap entries due <= bound in increasing order, dropping repeats."""
    # Equal instants are always in the heap together (a later day cannot produce an
    # instant <= an already released one), so comparing with the previous pop suffices;
    # the first of equal instants carries the earliest wall time.
    previous: datetime | None = None
    while pending and pending[0].at <= bound:
        found = heapq.heappop(pending)
        if found.at != previous:
            previous = found.at
            yield found


def next_occurrence(plan: Plan, zone: ZoneInfo, after: datetime) -> datetime | None:
    """Return the first due instant strictly after ``after`` (aware UTC).

    Returns None when there is none: the plan has ended or is as-needed. Raises ValueError
    for a naive ``after``.
    """
    _require_aware(after, "after")
    if plan.recurrence is Recurrence.AS_NEEDED:
        return None
    # Nothing can be due before 00:00 UTC on the day before the start (see
    # _candidate_days), so search from there rather than from a long-past `after`.
    window_start = max(after.astimezone(UTC), _utc_midnight(plan.start) - _ONE_DAY)
    # Windows are wider than any gap between dose days, so the first one normally holds the
    # answer; the loop ends once past the last possible instant (end day + 2, in UTC).
    width = timedelta(days=_longest_gap_days(plan) + 3)
    stop = None if plan.end is None else _utc_midnight(plan.end) + 2 * _ONE_DAY
    while stop is None or window_start < stop:
        window_end = window_start + width
        found = next(_occurrences(plan, zone, window_start, window_end), None)
        if found is not None:
            return found.at
        window_start = window_end
    return None


def _longest_gap_days(plan: Plan) -> int:
    """Return the most days that can separate two consecutive dose days of the plan."""
    match plan.recurrence:
        case Recurrence.WEEKDAYS:
            return 7
        case Recurrence.INTERVAL:
            return plan.every_days
        case Recurrence.CYCLE:
            return plan.days_off + 1
        case _:
            return 1


def _utc_midnight(day: date) -> datetime:
    """Return 00:00 UTC at the start of ``day`` (as an aware datetime)."""
    return datetime.combine(day, time(), UTC)


def _require_aware(moment: datetime, name: str) -> None:
    """Raise ValueError unless ``moment`` is an aware datetime."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, got naive {moment.isoformat()}")


def clock_zone(home: str, current: str | None, policy: TravelPolicy) -> ZoneInfo:
    """Return the zone whose wall clock the reminders follow.

    HOME_CLOCK always uses ``home``; LOCAL_CLOCK uses ``current`` when it is set (non-empty)
    and ``home`` otherwise. Unknown zone keys raise ``zoneinfo.ZoneInfoNotFoundError``.
    """
    if TravelPolicy(policy) is TravelPolicy.LOCAL_CLOCK and current:
        return ZoneInfo(current)
    return ZoneInfo(home)
