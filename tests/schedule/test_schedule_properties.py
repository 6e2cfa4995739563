"""Property tests for pulserx.reminders.schedule over zones with awkward DST rules.

The oracles are deliberately naive restatements of the contract: dose days come from walking
the calendar day by day with counters, the expected reminders are every (dose day, wall time)
pair in the window, and wall times are checked against the zone's clock readings (found by
trying every offset the zone uses nearby), not against zoneinfo's fold handling.

Every zone is exercised on every run (the tests are parametrised by zone), and every UTC-offset
change 2020-2030 of every zone is checked exhaustively with wall times around it.
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pulserx.reminders.schedule import (
    MAX_TIMES_PER_DAY,
    Plan,
    Recurrence,
    is_dose_day,
    next_occurrence,
    occurrences,
    to_utc,
)

ZONES = [
    # Required by the contract
    "Australia/Lord_Howe",  # 30-minute DST shift
    "Pacific/Chatham",  # +12:45 / +13:45, transitions at 02:45
    "America/Santiago",  # transitions at 24:00
    "Europe/London",
    "America/New_York",
    "Asia/Kolkata",  # +05:30, no DST
    # Other unusual rules
    "America/St_Johns",  # -03:30 / -02:30
    "Asia/Kathmandu",  # +05:45
    "Africa/Casablanca",  # DST suspended for Ramadan: two extra transitions a year
    "Pacific/Apia",  # DST abolished 2021
    "America/Havana",  # transitions at 00:00 / 01:00
    "Asia/Tehran",  # DST abolished 2022; transitions at 24:00 before that
    "Europe/Dublin",  # "negative DST" in tzdata: winter is the daylight-saving offset
    "Australia/Adelaide",  # +09:30 / +10:30
    "America/Sao_Paulo",  # DST abolished 2019
    "Antarctica/Troll",  # +00 / +02: a two-hour jump
    "America/Asuncion",  # permanent -03 since 2024
    "Asia/Gaza",  # Ramadan-dependent rules
    "Asia/Beirut",  # transitions at 00:00
    "Europe/Chisinau",
    "America/Nuuk",
    "Atlantic/Azores",  # transitions at 00:00 local
    "America/Scoresbysund",  # changed standard offset in 2024
    "Pacific/Norfolk",  # +11 / +12
    "Australia/Eucla",  # +08:45
    "Pacific/Marquesas",  # -09:30
    "Pacific/Kiritimati",  # +14
    "Asia/Amman",  # permanent +03 since 2022
    "Africa/Cairo",  # DST restored 2023, transitions at 00:00 / 24:00
    "America/Mexico_City",  # DST abolished 2022
    "Pacific/Easter",  # Chilean rules at -06 / -05
    "America/Punta_Arenas",
    "Pacific/Fiji",
    "Asia/Jerusalem",
    "Antarctica/Macquarie",
    "America/Los_Angeles",
    "Europe/Berlin",
    "Asia/Tokyo",
    "UTC",
]

# Times of day that sit on or next to common transition instants
TRICKY_TIMES = [
    time(0, 0),
    time(0, 15),
    time(0, 30),
    time(0, 59),
    time(1, 0),
    time(1, 30),
    time(1, 59),
    time(2, 0),
    time(2, 15),
    time(2, 30),
    time(2, 45),
    time(3, 0),
    time(3, 30),
    time(12, 0),
    time(23, 0),
    time(23, 30),
    time(23, 59),
]

FIRST_START = date(2020, 1, 1)
LAST_START = date(2030, 12, 31)
ONE_DAY = timedelta(days=1)


def examples(count: int) -> settings:
    return settings(
        max_examples=count,
        deadline=None,
        database=None,  # leave no .hypothesis/ directory behind; failures print a reproducer
        suppress_health_check=[HealthCheck.too_slow],
    )


by_zone = pytest.mark.parametrize("name", ZONES)


# --- Helpers ----------------------------------------------------------------------------------


def shown_wall(instant: datetime, zone: ZoneInfo) -> datetime:
    """The naive wall-clock reading of `zone` at `instant`."""
    return instant.astimezone(zone).replace(tzinfo=None)


def offset_at(zone: ZoneInfo, instant: datetime) -> timedelta:
    offset = instant.astimezone(zone).utcoffset()
    assert offset is not None
    return offset


@functools.cache
def transitions(name: str) -> tuple[datetime, ...]:
    """The zone's UTC-offset changes from March 2020 to 2030, to the second (UTC instants)."""
    zone = ZoneInfo(name)
    found = []
    day = datetime(2020, 3, 1, tzinfo=UTC)
    while day.year < 2031:
        following = day + ONE_DAY
        if offset_at(zone, day) != offset_at(zone, following):
            low, high = day, following  # old offset at `low`, new one at `high`
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if offset_at(zone, middle) == offset_at(zone, low):
                    low = middle
                else:
                    high = middle
            found.append(high.replace(microsecond=0))
        day = following
    return tuple(found)


def turning_point(zone: ZoneInfo, change: datetime) -> datetime:
    """The old clock's reading at an offset change, e.g. 02:00 on a US spring-forward night."""
    return shown_wall(change - timedelta(seconds=1), zone) + timedelta(seconds=1)


@functools.cache
def nearby_offsets(zone: ZoneInfo, day: date) -> frozenset[timedelta]:
    """Every UTC offset the zone uses within two days of local date `day`."""
    first = datetime.combine(day, time(), UTC) - 2 * ONE_DAY
    return frozenset(offset_at(zone, first + timedelta(hours=hours)) for hours in range(5 * 24))


def simulated_dose_days(plan: Plan, last: date) -> set[date]:
    """Dose days up to `last`, found by walking the calendar from the start with counters."""
    if plan.recurrence is Recurrence.AS_NEEDED:
        return set()
    days: set[date] = set()
    countdown = 0  # INTERVAL: days until the next dose
    phase = 0  # CYCLE: position within days_on + days_off
    day = plan.start
    while day <= last and (plan.end is None or day <= plan.end):
        match plan.recurrence:
            case Recurrence.INTERVAL:
                take = countdown == 0
                countdown = plan.every_days - 1 if take else countdown - 1
            case Recurrence.CYCLE:
                take = phase < plan.days_on
                phase = (phase + 1) % (plan.days_on + plan.days_off)
            case Recurrence.WEEKDAYS:
                take = day.weekday() in plan.weekdays
            case _:
                take = True
        if take:
            days.add(day)
        day += ONE_DAY
    return days


def scheduled_pairs(plan: Plan, after: datetime, until: datetime) -> list[tuple[date, time]]:
    """(dose day, wall time) pairs for every simulated dose day near the window."""
    # Generous margin: any zone's offset is within ±24 h of UTC.
    first, last = after.date() - 3 * ONE_DAY, until.date() + 3 * ONE_DAY
    days = sorted(d for d in simulated_dose_days(plan, last) if d >= first)
    return [(day, wall) for day in days for wall in plan.times]


# --- Checks shared by the hypothesis tests and the exhaustive transition sweep ----------------


def check_window(plan: Plan, zone: ZoneInfo, after: datetime, until: datetime) -> list[datetime]:
    """Properties 1-3 for one window; returns the emitted instants."""
    emitted = list(occurrences(plan, zone, after, until))
    # 1. strictly increasing (hence no instant twice), aware UTC, inside (after, until]
    assert all(a < b for a, b in pairwise(emitted)), emitted
    assert all(instant.tzinfo is UTC and after < instant <= until for instant in emitted)
    # 3. no scheduled wall time skipped: each pair whose instant is in the window is emitted
    pairs = scheduled_pairs(plan, after, until)
    due = {to_utc(day, wall, zone) for day, wall in pairs}
    assert set(emitted) == {instant for instant in due if after < instant <= until}
    # 2. and never more than one reminder per scheduled pair (coinciding pairs share one)
    assert len(emitted) <= len(pairs)
    if plan.recurrence is Recurrence.AS_NEEDED:
        assert emitted == []
    return emitted


def check_wall_time(day: date, wall: time, zone: ZoneInfo) -> str:
    """Property 5 for one scheduled wall time; returns "plain", "fold" or "gap"."""
    scheduled = datetime.combine(day, wall)
    due = to_utc(day, wall, zone)
    shown = shown_wall(due, zone)
    # Every instant at which this zone's clock reads `scheduled`, in order
    readings = sorted(
        candidate
        for offset in nearby_offsets(zone, day)
        if shown_wall(candidate := (scheduled - offset).replace(tzinfo=UTC), zone) == scheduled
    )
    if readings:
        # The wall time exists: the reminder shows it, at its first occurrence
        assert shown == scheduled, (day, wall, due)
        assert due == readings[0], (day, wall, due, readings)
        return "fold" if len(readings) > 1 else "plain"
    # Inside a gap: read with the offset in force before the transition, so the clock
    # shows the wall time pushed forward by the size of the gap.
    shift = shown - scheduled
    before = offset_at(zone, due - shift - timedelta(microseconds=1))
    assert shift > timedelta(0), (day, wall, due)
    assert due.replace(tzinfo=None) + before == scheduled, (day, wall, due)
    assert shift == offset_at(zone, due) - before, (day, wall, due)
    return "gap"


def check_next_occurrence(plan: Plan, zone: ZoneInfo, after: datetime) -> None:
    """Property 4: next_occurrence is the first of occurrences after the same instant."""
    found = next_occurrence(plan, zone, after)
    if found is None:
        # Nothing left: as-needed, or every remaining dose day is before `after`
        assert plan.recurrence is Recurrence.AS_NEEDED or plan.end is not None
        horizon = datetime.combine(plan.end or plan.start, time(), UTC) + 3 * ONE_DAY
        assert list(occurrences(plan, zone, after, max(after, horizon))) == []
    else:
        # It is an occurrence, and none lies between `after` and it
        assert list(occurrences(plan, zone, after, found)) == [found]


def check_chaining(plan: Plan, zone: ZoneInfo, after: datetime, until: datetime) -> None:
    """Property 4: following next_occurrence from `after` walks exactly occurrences()."""
    chained = []
    cursor = next_occurrence(plan, zone, after)
    while cursor is not None and cursor <= until:
        chained.append(cursor)
        cursor = next_occurrence(plan, zone, cursor)
    assert chained == list(occurrences(plan, zone, after, until))


# --- Strategies -------------------------------------------------------------------------------

walls = st.one_of(
    st.sampled_from(TRICKY_TIMES),
    st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45])),
    st.builds(time, st.integers(0, 23), st.integers(0, 59)),
)


@st.composite
def plans(draw: st.DrawFn, start: date, near: tuple[time, ...] = ()) -> Plan:
    """A random plan starting on `start`; wall times are often drawn from `near`."""
    recurrence = draw(st.sampled_from(Recurrence))
    length = draw(st.none() | st.integers(0, 400))
    any_wall = st.sampled_from(near) | st.sampled_from(near) | walls if near else walls
    min_times = 0 if recurrence is Recurrence.AS_NEEDED else 1
    return Plan(
        times=tuple(draw(st.lists(any_wall, min_size=min_times, max_size=4, unique=True))),
        recurrence=recurrence,
        start=start,
        end=None if length is None else start + timedelta(days=length),
        weekdays=frozenset(draw(st.sets(st.integers(0, 6), min_size=1))),
        every_days=draw(st.integers(1, 10)),
        days_on=draw(st.integers(1, 30)),
        days_off=draw(st.integers(0, 14)),
    )


Case = tuple[Plan, ZoneInfo, datetime, datetime]


@st.composite
def cases(draw: st.DrawFn, name: str, max_days: int = 366) -> Case:
    """A plan in zone `name` and a window (after, until] of up to `max_days`.

    The window opens up to three days before an anchor and closes after it. The anchor is
    either one of the zone's offset changes (most wall times are then drawn near the clock
    reading at the change, to land in its gap or fold) or a random instant in 2020-2030.
    """
    zone = ZoneInfo(name)
    changes = transitions(name)
    anywhen = st.datetimes(datetime(2020, 3, 1), datetime(2030, 12, 31), timezones=st.just(UTC))
    anchor = draw(st.sampled_from(changes) | anywhen if changes else anywhen)
    minutes = draw(st.lists(st.integers(-120, 120), min_size=1, max_size=4))
    near = tuple((turning_point(zone, anchor) + timedelta(minutes=m)).time() for m in minutes)
    after = anchor - timedelta(minutes=draw(st.integers(0, 3 * 1440)))
    days = draw(st.sampled_from([0, 1, 3, 10, 45, max_days]) | st.integers(0, max_days))
    until = anchor + timedelta(days=days, minutes=draw(st.integers(0, 1439)))
    until = min(until, after + timedelta(days=max_days))
    start = shown_wall(after, zone).date() - timedelta(days=draw(st.integers(0, 60)))
    return draw(plans(start, near)), zone, after, until


# --- Hypothesis tests -------------------------------------------------------------------------


@by_zone
@examples(12)
@given(data=st.data())
def test_occurrences_are_exactly_the_scheduled_instants(name: str, data: st.DataObject) -> None:
    check_window(*data.draw(cases(name)))


@by_zone
@examples(8)
@given(data=st.data())
def test_each_reminder_shows_its_wall_time_or_the_gap_shifted_one(
    name: str, data: st.DataObject
) -> None:
    plan, zone, after, until = data.draw(cases(name, max_days=60))
    for day, wall in scheduled_pairs(plan, after, until):
        check_wall_time(day, wall, zone)


@by_zone
@examples(10)
@given(data=st.data())
def test_next_occurrence_is_first_of_occurrences(name: str, data: st.DataObject) -> None:
    plan, zone, after, _ = data.draw(cases(name))
    check_next_occurrence(plan, zone, after)


@by_zone
@examples(6)
@given(data=st.data())
def test_chaining_next_occurrence_reproduces_occurrences(name: str, data: st.DataObject) -> None:
    check_chaining(*data.draw(cases(name, max_days=45)))


@by_zone
@examples(8)
@given(data=st.data(), fraction=st.floats(0, 1))
def test_splitting_the_window_changes_nothing(
    name: str, data: st.DataObject, fraction: float
) -> None:
    # The dispatcher scans consecutive windows; a reminder must land in exactly one of them,
    # including when the split point is itself a due instant.
    plan, zone, after, until = data.draw(cases(name))
    whole = list(occurrences(plan, zone, after, until))
    for middle in [after + (until - after) * fraction, *whole[:1], *whole[-1:]]:
        first = list(occurrences(plan, zone, after, middle))
        second = list(occurrences(plan, zone, middle, until))
        assert first + second == whole


@examples(300)
@given(st.dates(FIRST_START, LAST_START), st.integers(-30, 800), st.data())
def test_is_dose_day_matches_calendar_walk(start: date, shift: int, data: st.DataObject) -> None:
    plan = data.draw(plans(start))
    day = start + timedelta(days=shift)
    assert is_dose_day(plan, day) == (day in simulated_dose_days(plan, day))


# --- Exhaustive sweep over every offset change 2020-2030 --------------------------------------


@by_zone
def test_every_offset_change_2020_2030(name: str) -> None:
    """Daily doses at tricky times and every quarter hour around each change, three days."""
    zone = ZoneInfo(name)
    for change in transitions(name):
        pivot = turning_point(zone, change)
        around = {(pivot + timedelta(minutes=15 * k)).time() for k in range(-8, 9)}
        walls = sorted(around | set(TRICKY_TIMES))
        after, until = change - 3 * ONE_DAY, change + 3 * ONE_DAY
        kinds: set[str] = set()
        # A plan holds at most MAX_TIMES_PER_DAY times, so the sweep is split over plans.
        for first in range(0, len(walls), MAX_TIMES_PER_DAY):
            plan = Plan(
                times=tuple(walls[first:first + MAX_TIMES_PER_DAY]),
                recurrence=Recurrence.DAILY,
                start=pivot.date() - ONE_DAY,
                end=pivot.date() + ONE_DAY,
            )
            check_window(plan, zone, after, until)
            check_chaining(plan, zone, after, until)
            kinds |= {check_wall_time(d, w, zone)
                      for d, w in scheduled_pairs(plan, after, until)}
        # The sweep really reaches the gap (clocks forward) or the fold (clocks back)
        grew = offset_at(zone, change) > offset_at(zone, change - timedelta(seconds=1))
        assert ("gap" if grew else "fold") in kinds, (name, change)
