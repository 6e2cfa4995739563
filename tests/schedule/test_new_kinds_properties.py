"""Property tests for interval, anchored and tapering schedules and for as-needed limits.

Same zones as the wall-time properties. The oracles restate the contract naively: interval
doses are anchor + k x N in UTC, anchored times are the anchor's clock reading plus the
offset, tapering phases are walked day by day, and limits are checked minute by minute.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pulserx.reminders.anchors import DayAnchor, PatientDay, resolve
from pulserx.reminders.intervals import IntervalPlan, interval_occurrences, next_interval
from pulserx.reminders.limits import Limit, check_limit
from pulserx.reminders.schedule import to_utc
from pulserx.reminders.tapering import Phase, TaperPlan, phase_dates, phase_index_on
from pulserx.reminders.timetable import TaperTimetable
from tests.schedule.test_schedule_properties import ZONES, examples, transitions

by_zone = pytest.mark.parametrize("name", ZONES)
EVERY_HOURS = (1, 3, 4, 6, 8, 12, 36)
ONE_DAY = timedelta(days=1)
instants_2020_2030 = st.datetimes(datetime(2020, 1, 1), datetime(2030, 12, 31),
                                  timezones=st.just(UTC))


# --- Interval schedules -----------------------------------------------------------------------


@by_zone
def test_interval_doses_are_exactly_n_hours_apart_across_every_offset_change(name: str) -> None:
    zone = ZoneInfo(name)
    for change in transitions(name):
        for hours in EVERY_HOURS:
            every = timedelta(hours=hours)
            anchor = change - 2 * every + timedelta(minutes=7)
            plan = IntervalPlan(anchor=anchor, every=every)
            found = list(interval_occurrences(plan, zone, change - 3 * every, change + 3 * every))
            assert found == [anchor + k * every for k in range(5)], (name, change, hours)
            assert all(b - a == every for a, b in pairwise(found))
            assert next_interval(plan, zone, change) == anchor + 2 * every


@by_zone
@given(data=st.data())
@examples(40)
def test_interval_occurrences_are_the_arithmetic_series(name: str, data: st.DataObject) -> None:
    zone = ZoneInfo(name)
    anchor = data.draw(instants_2020_2030)
    every = timedelta(minutes=data.draw(st.integers(15, 7 * 24 * 60)))
    count = data.draw(st.none() | st.integers(1, 40))
    plan = IntervalPlan(anchor=anchor, every=every, count=count)
    after = anchor + data.draw(st.integers(-3000, 30000)) * timedelta(minutes=1)
    until = after + timedelta(days=data.draw(st.integers(0, 20)))
    found = list(interval_occurrences(plan, zone, after, until))
    expected = [anchor + k * every for k in range(count if count is not None else 10_000)
                if after < anchor + k * every <= until]
    assert found == expected
    assert next_interval(plan, zone, after) == next(
        iter(interval_occurrences(plan, zone, after, max(after, anchor) + 2 * every)), None)


@by_zone
@given(data=st.data())
@examples(30)
def test_windowed_intervals_stay_inside_the_waking_window(name: str, data: st.DataObject) -> None:
    zone = ZoneInfo(name)
    opens = data.draw(st.sampled_from([time(6, 0), time(7, 30), time(8, 0), time(2, 30)]))
    closes = data.draw(st.sampled_from([time(20, 0), time(22, 0), time(23, 30)]))
    every = timedelta(minutes=data.draw(st.integers(60, 8 * 60)))
    anchor = data.draw(instants_2020_2030)
    plan = IntervalPlan(anchor=anchor, every=every, window_start=opens, window_end=closes)
    found = list(interval_occurrences(plan, zone, anchor - ONE_DAY, anchor + 6 * ONE_DAY))
    assert found == sorted(set(found)) and all(at >= anchor for at in found)
    by_day: dict[date, list[datetime]] = {}
    for at in found:
        day = next(d for d in (at.astimezone(zone).date() + k * ONE_DAY for k in (0, -1, 1))
                   if to_utc(d, opens, zone) <= at <= to_utc(d, closes, zone))
        by_day.setdefault(day, []).append(at)
    for day, doses in by_day.items():
        assert all(b - a == every for a, b in pairwise(doses)), day
        if day != anchor.astimezone(zone).date():
            assert doses[0] == to_utc(day, opens, zone)  # each new day starts at waking


# --- Times anchored to the patient's day ------------------------------------------------------

walls = st.times().map(lambda t: t.replace(second=0, microsecond=0))


@given(wall=walls, anchor=st.sampled_from(list(DayAnchor)), offset=st.integers(-180, 180),
       shift=st.integers(-300, 300))
@examples(300)
def test_anchored_times_move_with_the_patients_day(wall: time, anchor: DayAnchor, offset: int,
                                                   shift: int) -> None:
    before = PatientDay(**{anchor.value: wall})
    moved_wall = (datetime.combine(date(2026, 1, 2), wall) + timedelta(minutes=shift))
    after = PatientDay(**{anchor.value: moved_wall.time()})
    minutes = wall.hour * 60 + wall.minute + offset
    if not 0 <= minutes < 24 * 60:
        with pytest.raises(ValueError):
            resolve(before, anchor, offset)
        return
    resolved = resolve(before, anchor, offset)
    assert resolved.hour * 60 + resolved.minute == minutes
    moved_minutes = moved_wall.hour * 60 + moved_wall.minute + offset
    if moved_wall.date() == date(2026, 1, 2) and 0 <= moved_minutes < 24 * 60:
        # The same anchor and offset on the changed day: moved by exactly the shift.
        assert resolve(after, anchor, offset).hour * 60 + \
            resolve(after, anchor, offset).minute == minutes + shift


# --- Tapering ---------------------------------------------------------------------------------

phases = st.lists(st.builds(
    lambda days, hour, amount: Phase(days=days, times=(time(hour, 0),),
                                     amounts=(Decimal(amount),)),
    st.integers(1, 20), st.integers(0, 23), st.integers(1, 80)), min_size=1, max_size=6)


@by_zone
@given(start=st.dates(date(2020, 1, 1), date(2030, 11, 1)), steps=phases,
       continue_last=st.booleans())
@examples(25)
def test_tapering_phases_meet_with_no_gap_or_overlap(name: str, start: date, steps: list[Phase],
                                                     continue_last: bool) -> None:
    zone = ZoneInfo(name)
    plan = TaperPlan(start=start, phases=tuple(steps), continue_last=continue_last)
    dates = phase_dates(plan)
    assert dates[0][0] == start
    for (_, last), (first, _) in pairwise(dates):
        assert last is not None and first == last + ONE_DAY
    total = sum(step.days for step in steps)
    walked = [phase_index_on(plan, start + k * ONE_DAY) for k in range(total + 3)]
    expected = [i for i, step in enumerate(steps) for _ in range(step.days)]
    expected += [len(steps) - 1 if continue_last else None] * 3
    assert walked == expected
    assert phase_index_on(plan, start - ONE_DAY) is None
    # One time per phase, so exactly one dose per day (a gap time fires shifted, a fold time
    # once), each with its own phase's amount.
    window = (to_utc(start, time(0), zone) - timedelta(seconds=1),
              to_utc(start + (total + 2) * ONE_DAY, time(0), zone) - timedelta(seconds=1))
    doses = TaperTimetable(plan).doses(zone, *window)
    assert [dose.amount for dose in doses] == [
        steps[i].amounts[0] for i in (w for w in walked[: total + 2] if w is not None)
    ]


# --- As-needed limits -------------------------------------------------------------------------

BASE = datetime(2026, 3, 29, 0, 0, tzinfo=UTC)


def brute_allowed(limit: Limit, taken: list[datetime], at: datetime) -> bool:
    if limit.min_gap and any(abs(d - at) < limit.min_gap for d in taken):
        return False
    if limit.max_doses is None:
        return True
    minute = timedelta(minutes=1)
    end = at
    while end < at + limit.period:  # every window (end - period, end] holding `at`
        if sum(1 for d in [*taken, at] if end - limit.period < d <= end) > limit.max_doses:
            return False
        end += minute
    return True


@given(minutes=st.lists(st.integers(0, 48 * 60), max_size=8), at=st.integers(0, 48 * 60),
       max_doses=st.none() | st.integers(1, 5), period_h=st.integers(1, 24),
       gap=st.none() | st.integers(1, 6 * 60))
@examples(150)
def test_limit_check_agrees_with_a_minute_by_minute_walk(
    minutes: list[int], at: int, max_doses: int | None, period_h: int, gap: int | None
) -> None:
    limit = Limit(max_doses=max_doses, period=timedelta(hours=period_h),
                  min_gap=timedelta(minutes=gap) if gap else None)
    taken = [BASE + timedelta(minutes=m) for m in minutes]
    moment = BASE + timedelta(minutes=at)
    verdict = check_limit(limit, taken, moment)
    assert verdict.allowed == brute_allowed(limit, taken, moment)
    if verdict.next_allowed is not None:
        assert brute_allowed(limit, taken, verdict.next_allowed)
        probe = moment
        while probe < verdict.next_allowed:  # nothing earlier is allowed
            assert not brute_allowed(limit, taken, probe)
            probe += timedelta(minutes=17)
