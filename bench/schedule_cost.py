"""`python -m bench.schedule_cost`: what planning 92 days of one medication costs, by times
a day, with the linear planner (`timed_occurrences`) and with the former per-dose wall-time
search (every dose looked up against every time of day, twice). Pure schedule math, no
database: the part of `/api/v1/doses`, the Today page and the calendar feed that grew
quadratically."""

from __future__ import annotations

import time as clock
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pulserx.reminders.schedule import Plan, Recurrence, occurrences, timed_occurrences, to_utc

ZONE = ZoneInfo("America/New_York")
AFTER = datetime(2027, 3, 1, tzinfo=UTC)
UNTIL = AFTER + timedelta(days=92)


def walls(per_day: int) -> tuple[time, ...]:
    step = 1440 // per_day
    return tuple(time(minute // 60, minute % 60) for minute in range(0, 1440, step))


def former(times: tuple[time, ...], plan: Plan) -> int:
    """The old way: for each instant, search the times (and two days) for its wall time."""
    found = 0
    for due_at in occurrences(plan, ZONE, AFTER, UNTIL):
        local_day = due_at.astimezone(ZONE).date()
        for wall in times:
            if any(to_utc(day, wall, ZONE) == due_at
                   for day in (local_day, local_day - timedelta(days=1))):
                found += 1
                break
    return found


def linear(plan: Plan) -> int:
    return sum(1 for _ in timed_occurrences(plan, ZONE, AFTER, UNTIL))


def timed(function, *args) -> float:  # type: ignore[no-untyped-def]
    started = clock.perf_counter()
    function(*args)
    return clock.perf_counter() - started


def main() -> None:
    print("times/day, doses, linear s, former s")
    for per_day in (1, 4, 24, 96):
        times = walls(per_day)
        # Plan caps times at 24 a day; bypass the cap to show what the former code faced.
        plan = Plan(times=times[:24], recurrence=Recurrence.DAILY, start=date(2027, 1, 1))
        object.__setattr__(plan, "times", times)
        doses = linear(plan)
        print(f"{per_day}, {doses}, {timed(linear, plan):.3f}, {timed(former, times, plan):.3f}")


if __name__ == "__main__":
    main()
