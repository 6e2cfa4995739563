"""Worked examples for pulserx.reminders.schedule, with instants checked by hand.

Transition dates come from the IANA rules in force (tzdata 2024+); each expected UTC instant is
spelled out so a regression shows which rule broke.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pytest

from pulserx.reminders.schedule import (
    Plan,
    Recurrence,
    TravelPolicy,
    clock_zone,
    is_dose_day,
    next_occurrence,
    occurrences,
    to_utc,
)

NEW_YORK = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")
CHATHAM = ZoneInfo("Pacific/Chatham")
SANTIAGO = ZoneInfo("America/Santiago")
KOLKATA = ZoneInfo("Asia/Kolkata")
APIA = ZoneInfo("Pacific/Apia")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def daily(*walls: time, start: date, end: date | None = None) -> Plan:
    return Plan(times=walls, recurrence=Recurrence.DAILY, start=start, end=end)


def all_between(plan: Plan, zone: ZoneInfo, first: date, last: date) -> list[datetime]:
    """Every instant from local day `first` through local day `last` (with slack either side)."""
    after = datetime.combine(first, time(), zone) - timedelta(seconds=1)
    until = datetime.combine(last, time(23, 59, 59), zone)
    return list(occurrences(plan, zone, after, until))


# --- DST gaps: read with the offset in force before the transition ---------------------------


def test_new_york_spring_forward_gap_fires_at_0330_edt() -> None:
    # 2024-03-10: 02:00 EST -> 03:00 EDT; 02:30 EST (-5) is 07:30 UTC, shown as 03:30 EDT.
    due = to_utc(date(2024, 3, 10), time(2, 30), NEW_YORK)
    assert due == utc(2024, 3, 10, 7, 30)
    assert due.astimezone(NEW_YORK).time() == time(3, 30)


def test_new_york_spring_forward_daily_plan_keeps_same_wall_time_around_it() -> None:
    plan = daily(time(2, 30), start=date(2024, 3, 9))
    got = all_between(plan, NEW_YORK, date(2024, 3, 9), date(2024, 3, 11))
    assert got == [utc(2024, 3, 9, 7, 30), utc(2024, 3, 10, 7, 30), utc(2024, 3, 11, 6, 30)]


def test_two_wall_times_landing_on_one_instant_give_one_reminder() -> None:
    # 02:30 (gap, read as EST) and 03:30 EDT are the same instant: 07:30 UTC.
    plan = daily(time(2, 30), time(3, 30), start=date(2024, 3, 10), end=date(2024, 3, 10))
    assert all_between(plan, NEW_YORK, date(2024, 3, 10), date(2024, 3, 10)) == [
        utc(2024, 3, 10, 7, 30)
    ]


def test_instants_stay_increasing_when_gap_reading_reorders_wall_times() -> None:
    # 02:30 -> 07:30 UTC but 03:15 EDT -> 07:15 UTC: the later wall time fires first.
    plan = daily(time(2, 30), time(3, 15), start=date(2024, 3, 10), end=date(2024, 3, 10))
    assert all_between(plan, NEW_YORK, date(2024, 3, 10), date(2024, 3, 10)) == [
        utc(2024, 3, 10, 7, 15),
        utc(2024, 3, 10, 7, 30),
    ]


def test_lord_howe_half_hour_gap_reads_0215_with_pre_transition_offset() -> None:
    # 2024-10-06: 02:00 +10:30 -> 02:30 +11:00. 02:15 +10:30 = 15:45 UTC the day before.
    due = to_utc(date(2024, 10, 6), time(2, 15), LORD_HOWE)
    assert due == utc(2024, 10, 5, 15, 45)
    assert due.astimezone(LORD_HOWE).time() == time(2, 45)  # shifted by the 30-minute gap


def test_lord_howe_half_hour_fold_fires_at_first_occurrence() -> None:
    # 2024-04-07: 02:00 +11:00 -> 01:30 +10:30; 01:45 happens twice, first at +11:00.
    plan = daily(time(1, 45), start=date(2024, 4, 7), end=date(2024, 4, 7))
    assert all_between(plan, LORD_HOWE, date(2024, 4, 7), date(2024, 4, 7)) == [
        utc(2024, 4, 6, 14, 45)
    ]


def test_chatham_gap_at_0245() -> None:
    # 2024-09-29: 02:45 +12:45 -> 03:45 +13:45. 03:00 +12:45 = 14:15 UTC, shown 04:00.
    due = to_utc(date(2024, 9, 29), time(3, 0), CHATHAM)
    assert due == utc(2024, 9, 28, 14, 15)
    assert due.astimezone(CHATHAM).time() == time(4, 0)


def test_chatham_fold_fires_once_at_first_occurrence() -> None:
    # 2024-04-07: 03:45 +13:45 -> 02:45 +12:45; 03:00 first happens at +13:45.
    plan = daily(time(3, 0), start=date(2024, 4, 6), end=date(2024, 4, 8))
    assert all_between(plan, CHATHAM, date(2024, 4, 6), date(2024, 4, 8)) == [
        utc(2024, 4, 5, 13, 15),
        utc(2024, 4, 6, 13, 15),
        utc(2024, 4, 7, 14, 15),
    ]


def test_santiago_midnight_gap() -> None:
    # Chile springs forward at 24:00: 2024-09-08 00:00 -04 -> 01:00 -03. 00:30 -04 = 04:30 UTC.
    due = to_utc(date(2024, 9, 8), time(0, 30), SANTIAGO)
    assert due == utc(2024, 9, 8, 4, 30)
    assert due.astimezone(SANTIAGO).replace(tzinfo=None) == datetime(2024, 9, 8, 1, 30)


def test_santiago_midnight_fold_fires_once_on_the_right_day() -> None:
    # 2024-04-06 24:00 -03 -> 23:00 -04: 23:30 on the 6th happens twice, first at -03.
    plan = daily(time(23, 30), time(0, 30), start=date(2024, 4, 6), end=date(2024, 4, 7))
    assert all_between(plan, SANTIAGO, date(2024, 4, 6), date(2024, 4, 7)) == [
        utc(2024, 4, 6, 3, 30),  # 6th 00:30 -03
        utc(2024, 4, 7, 2, 30),  # 6th 23:30 -03 (first occurrence)
        utc(2024, 4, 7, 4, 30),  # 7th 00:30 -04
        utc(2024, 4, 8, 3, 30),  # 7th 23:30 -04
    ]


# --- Folds: the repeated hour fires once, at its first occurrence -----------------------------


def test_new_york_fall_back_fires_once_at_first_occurrence() -> None:
    # 2024-11-03: 02:00 EDT -> 01:00 EST. 01:30 EDT (-4) = 05:30 UTC; 01:30 EST never fires.
    plan = daily(time(1, 30), start=date(2024, 11, 2), end=date(2024, 11, 4))
    assert all_between(plan, NEW_YORK, date(2024, 11, 2), date(2024, 11, 4)) == [
        utc(2024, 11, 2, 5, 30),
        utc(2024, 11, 3, 5, 30),
        utc(2024, 11, 4, 6, 30),
    ]


def test_fold_attribute_on_plan_time_is_ignored() -> None:
    plan = daily(time(1, 30, fold=1), start=date(2024, 11, 3), end=date(2024, 11, 3))
    assert plan.times[0].fold == 0
    assert to_utc(date(2024, 11, 3), time(1, 30, fold=1), NEW_YORK) == utc(2024, 11, 3, 5, 30)
    assert next_occurrence(plan, NEW_YORK, utc(2024, 11, 1)) == utc(2024, 11, 3, 5, 30)


def test_london_gap_and_fold() -> None:
    # 2024-03-31 01:00 GMT -> 02:00 BST; 2024-10-27 02:00 BST -> 01:00 GMT.
    assert to_utc(date(2024, 3, 31), time(1, 30), LONDON) == utc(2024, 3, 31, 1, 30)
    assert to_utc(date(2024, 10, 27), time(1, 30), LONDON) == utc(2024, 10, 27, 0, 30)
    assert to_utc(date(2024, 7, 1), time(8, 0), LONDON) == utc(2024, 7, 1, 7, 0)
    assert to_utc(date(2024, 12, 1), time(8, 0), LONDON) == utc(2024, 12, 1, 8, 0)


def test_kolkata_constant_offset_all_year() -> None:
    plan = daily(time(9, 0), start=date(2024, 1, 1), end=date(2024, 12, 31))
    got = all_between(plan, KOLKATA, date(2024, 1, 1), date(2024, 12, 31))
    assert len(got) == 366
    assert {(instant.hour, instant.minute) for instant in got} == {(3, 30)}


def test_samoa_skipped_day_gives_no_duplicate_and_stays_increasing() -> None:
    # Samoa jumped from 2011-12-29 24:00 -10 to 2011-12-31 00:00 +14: all of the 30th is a
    # gap, so its wall times (read at -10) coincide with the 31st's (at +14).
    plan = daily(time(1, 0), time(23, 0), start=date(2011, 12, 29), end=date(2011, 12, 31))
    assert all_between(plan, APIA, date(2011, 12, 29), date(2011, 12, 31)) == [
        utc(2011, 12, 29, 11, 0),  # 29th 01:00 -10
        utc(2011, 12, 30, 9, 0),  # 29th 23:00 -10
        utc(2011, 12, 30, 11, 0),  # 30th 01:00 (-10) == 31st 01:00 +14
        utc(2011, 12, 31, 9, 0),  # 30th 23:00 (-10) == 31st 23:00 +14
    ]


# --- Recurrences ----------------------------------------------------------------------------


def test_weekdays_plan_fires_only_on_listed_days() -> None:
    # 2024-01-01 is a Monday; Monday/Wednesday/Friday.
    plan = Plan(
        times=(time(8, 0),),
        recurrence=Recurrence.WEEKDAYS,
        start=date(2024, 1, 1),
        weekdays=frozenset({0, 2, 4}),
    )
    got = all_between(plan, LONDON, date(2024, 1, 1), date(2024, 1, 14))
    assert [instant.date() for instant in got] == [date(2024, 1, d) for d in (1, 3, 5, 8, 10, 12)]


def test_interval_counts_from_start_date() -> None:
    plan = Plan(
        times=(time(20, 0),),
        recurrence=Recurrence.INTERVAL,
        start=date(2024, 1, 3),
        every_days=3,
    )
    got = all_between(plan, KOLKATA, date(2024, 1, 1), date(2024, 1, 15))
    assert [instant.astimezone(KOLKATA).date() for instant in got] == [
        date(2024, 1, d) for d in (3, 6, 9, 12, 15)
    ]
    assert not is_dose_day(plan, date(2023, 12, 31))  # before start, though 3 days earlier
    next_day = Plan(
        times=plan.times, recurrence=plan.recurrence, start=date(2024, 1, 4), every_days=3
    )
    assert [d for d in range(1, 16) if is_dose_day(next_day, date(2024, 1, d))] == [4, 7, 10, 13]


def test_cycle_21_on_7_off() -> None:
    start = date(2024, 1, 1)
    plan = Plan(
        times=(time(21, 0),),
        recurrence=Recurrence.CYCLE,
        start=start,
        days_on=21,
        days_off=7,
    )
    dose_days = [
        start + timedelta(days=n) for n in range(56) if is_dose_day(plan, start + timedelta(days=n))
    ]
    assert dose_days == [start + timedelta(days=n) for n in [*range(21), *range(28, 49)]]
    got = all_between(plan, NEW_YORK, start, start + timedelta(days=55))
    assert [instant.astimezone(NEW_YORK).date() for instant in got] == dose_days


def test_end_date_is_inclusive_and_next_occurrence_is_none_after_it() -> None:
    plan = daily(time(8, 0), start=date(2024, 5, 1), end=date(2024, 5, 3))
    got = all_between(plan, KOLKATA, date(2024, 4, 1), date(2024, 6, 1))
    assert got == [utc(2024, 5, d, 2, 30) for d in (1, 2, 3)]
    assert is_dose_day(plan, date(2024, 5, 3))
    assert not is_dose_day(plan, date(2024, 5, 4))
    assert next_occurrence(plan, KOLKATA, utc(2024, 5, 3, 2, 0)) == utc(2024, 5, 3, 2, 30)
    assert next_occurrence(plan, KOLKATA, utc(2024, 5, 3, 2, 30)) is None


def test_as_needed_has_no_occurrences() -> None:
    plan = Plan(times=(), recurrence=Recurrence.AS_NEEDED, start=date(2024, 1, 1))
    assert list(occurrences(plan, LONDON, utc(2024, 1, 1), utc(2025, 1, 1))) == []
    assert next_occurrence(plan, LONDON, utc(2024, 1, 1)) is None
    assert not is_dose_day(plan, date(2024, 1, 1))


def test_window_is_open_at_after_and_closed_at_until() -> None:
    plan = daily(time(8, 0), start=date(2024, 5, 1))
    at = utc(2024, 5, 2, 2, 30)
    assert list(occurrences(plan, KOLKATA, at, at)) == []
    assert list(occurrences(plan, KOLKATA, at - timedelta(microseconds=1), at)) == [at]
    assert next_occurrence(plan, KOLKATA, at) == utc(2024, 5, 3, 2, 30)


def test_evening_dose_west_of_utc_is_found_after_utc_midnight() -> None:
    # 22:00 EST on 1 Jan is 03:00 UTC on 2 Jan: the window opens on a later UTC date than
    # the dose's local date.
    plan = daily(time(22, 0), start=date(2024, 1, 1))
    after = utc(2024, 1, 2, 1, 0)
    assert next(occurrences(plan, NEW_YORK, after, utc(2024, 1, 2, 4, 0))) == utc(2024, 1, 2, 3, 0)


def test_morning_dose_east_of_utc_is_found_before_utc_midnight() -> None:
    # 08:00 JST on 2 Jan is 23:00 UTC on 1 Jan: the window closes on an earlier UTC date
    # than the dose's local date.
    plan = daily(time(8, 0), start=date(2024, 1, 1))
    until = utc(2024, 1, 1, 23, 30)
    tokyo = ZoneInfo("Asia/Tokyo")
    assert list(occurrences(plan, tokyo, utc(2024, 1, 1, 12, 0), until)) == [utc(2024, 1, 1, 23, 0)]


def test_window_bounds_may_be_in_any_zone() -> None:
    plan = daily(time(8, 0), start=date(2024, 5, 1))
    plus_five = timezone(timedelta(hours=5))
    after = datetime(2024, 5, 2, 7, 0, tzinfo=plus_five)  # 02:00 UTC
    assert next(occurrences(plan, KOLKATA, after, after + timedelta(days=1))) == utc(
        2024, 5, 2, 2, 30
    )


def test_next_occurrence_long_before_a_sparse_plan_starts() -> None:
    plan = Plan(
        times=(time(8, 0),),
        recurrence=Recurrence.CYCLE,
        start=date(2030, 6, 1),
        days_on=1,
        days_off=90,
    )
    assert next_occurrence(plan, LONDON, utc(2020, 1, 1)) == utc(2030, 6, 1, 7, 0)
    assert next_occurrence(plan, LONDON, utc(2030, 6, 1, 7, 0)) == utc(2030, 8, 31, 7, 0)


def test_results_are_aware_utc() -> None:
    plan = daily(time(8, 0), start=date(2024, 1, 1))
    due = next_occurrence(plan, NEW_YORK, utc(2024, 1, 1))
    assert due is not None
    assert due.tzinfo is UTC


# --- Validation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"recurrence": Recurrence.INTERVAL, "every_days": 0}, "every_days"),
        ({"end": date(2023, 12, 31)}, "end"),
        ({"times": (time(8, 0), time(8, 0))}, "duplicate"),
        ({"recurrence": Recurrence.WEEKDAYS}, "weekday"),
        ({"recurrence": Recurrence.WEEKDAYS, "weekdays": frozenset({7})}, "weekdays"),
        ({"recurrence": Recurrence.CYCLE, "days_on": 0, "days_off": 7}, "days_on"),
        ({"recurrence": Recurrence.CYCLE, "days_on": 21, "days_off": -1}, "days_off"),
        ({"times": ()}, "time"),
        ({"times": (time(8, 0, tzinfo=UTC),)}, "naive"),
        ({"start": datetime(2024, 1, 1)}, "dates"),
        ({"recurrence": "fortnightly"}, "fortnightly"),
    ],
)
def test_invalid_plans_are_rejected(kwargs: dict[str, object], message: str) -> None:
    fields: dict[str, object] = {
        "times": (time(8, 0),),
        "recurrence": Recurrence.DAILY,
        "start": date(2024, 1, 1),
        **kwargs,
    }
    with pytest.raises(ValueError, match=message):
        Plan(**fields)  # type: ignore[arg-type]


def test_plan_is_normalised() -> None:
    plan = Plan(
        times=[time(20, 0), time(8, 0)],  # type: ignore[arg-type]
        recurrence="weekdays",  # type: ignore[arg-type]
        start=date(2024, 1, 1),
        weekdays={1, 3},  # type: ignore[arg-type]
    )
    assert plan.times == (time(8, 0), time(20, 0))
    assert plan.recurrence is Recurrence.WEEKDAYS
    assert plan.weekdays == frozenset({1, 3})


def test_as_needed_plan_may_have_no_times() -> None:
    Plan(times=(), recurrence=Recurrence.AS_NEEDED, start=date(2024, 1, 1))


def test_same_day_start_and_end_is_valid() -> None:
    daily(time(8, 0), start=date(2024, 1, 1), end=date(2024, 1, 1))


def test_naive_window_bounds_are_rejected_immediately() -> None:
    plan = daily(time(8, 0), start=date(2024, 1, 1))
    with pytest.raises(ValueError, match="after"):
        occurrences(plan, LONDON, datetime(2024, 1, 1), utc(2024, 2, 1))
    with pytest.raises(ValueError, match="until"):
        occurrences(plan, LONDON, utc(2024, 1, 1), datetime(2024, 2, 1))
    with pytest.raises(ValueError, match="after"):
        next_occurrence(plan, LONDON, datetime(2024, 1, 1))


def test_to_utc_rejects_aware_wall_time() -> None:
    with pytest.raises(ValueError, match="naive"):
        to_utc(date(2024, 1, 1), time(8, 0, tzinfo=UTC), LONDON)


# --- Travel policy --------------------------------------------------------------------------


def test_home_clock_ignores_current_zone() -> None:
    assert clock_zone("Europe/London", "Asia/Tokyo", TravelPolicy.HOME_CLOCK) == LONDON
    assert clock_zone("Europe/London", None, TravelPolicy.HOME_CLOCK) == LONDON


def test_local_clock_follows_current_zone_when_known() -> None:
    tokyo = ZoneInfo("Asia/Tokyo")
    assert clock_zone("Europe/London", "Asia/Tokyo", TravelPolicy.LOCAL_CLOCK) == tokyo
    assert clock_zone("Europe/London", None, TravelPolicy.LOCAL_CLOCK) == LONDON
    assert clock_zone("Europe/London", "", TravelPolicy.LOCAL_CLOCK) == LONDON


def test_clock_zone_accepts_stored_policy_strings() -> None:
    assert clock_zone("Europe/London", "Asia/Kolkata", "local") == KOLKATA  # type: ignore[arg-type]
    assert clock_zone("Europe/London", "Asia/Kolkata", "home") == LONDON  # type: ignore[arg-type]


def test_clock_zone_rejects_unknown_zone() -> None:
    with pytest.raises(ZoneInfoNotFoundError):
        clock_zone("Europe/London", "Mars/Olympus_Mons", TravelPolicy.LOCAL_CLOCK)
