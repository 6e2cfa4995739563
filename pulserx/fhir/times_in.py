"""FHIR ``Timing.repeat`` times of day in: ``timeOfDay``, ``when`` + ``offset`` onto the
patient's day, ``dayOfWeek``, and "N times a day" spread over the patient's meals.

Pure and stdlib-only, part of :mod:`pulserx.fhir.timing_in`.
"""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from typing import Any

from pulserx.fhir.base import Context, Json, unsupported, whole_number
from pulserx.reminders.anchors import DayAnchor, resolve

WEEKDAY_CODES = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
# FHIR event code -> (anchors, sign of the offset, default minutes when no offset is given).
WHEN_CODES: dict[str, tuple[tuple[DayAnchor, ...], int, int]] = {
    "WAKE": ((DayAnchor.WAKE,), 1, 0),
    "HS": ((DayAnchor.BEDTIME,), -1, 0),
    "C": ((DayAnchor.BREAKFAST, DayAnchor.LUNCH, DayAnchor.DINNER), 1, 0),
    "CM": ((DayAnchor.BREAKFAST,), 1, 0),
    "CD": ((DayAnchor.LUNCH,), 1, 0),
    "CV": ((DayAnchor.DINNER,), 1, 0),
    "AC": ((DayAnchor.BREAKFAST, DayAnchor.LUNCH, DayAnchor.DINNER), -1, 30),
    "ACM": ((DayAnchor.BREAKFAST,), -1, 30),
    "ACD": ((DayAnchor.LUNCH,), -1, 30),
    "ACV": ((DayAnchor.DINNER,), -1, 30),
    "PC": ((DayAnchor.BREAKFAST, DayAnchor.LUNCH, DayAnchor.DINNER), 1, 30),
    "PCM": ((DayAnchor.BREAKFAST,), 1, 30),
    "PCD": ((DayAnchor.LUNCH,), 1, 30),
    "PCV": ((DayAnchor.DINNER,), 1, 30),
}
# Times of day when a prescription says "N times a day" and no more.
SPREAD = {1: (DayAnchor.BREAKFAST,), 2: (DayAnchor.BREAKFAST, DayAnchor.DINNER),
          3: (DayAnchor.BREAKFAST, DayAnchor.LUNCH, DayAnchor.DINNER),
          4: (DayAnchor.BREAKFAST, DayAnchor.LUNCH, DayAnchor.DINNER, DayAnchor.BEDTIME)}


def doses_per_day(repeat: Json, frequency: int, days: int) -> int:
    """Doses on each dose day: `frequency` per day, or per week spread over `dayOfWeek`."""
    if "dayOfWeek" in repeat:
        if days not in (1, 7):
            raise unsupported("Timing.repeat.dayOfWeek", "with a period above 1 week is "
                              "not supported")
        if days == 7:
            days_listed = len(weekdays(repeat["dayOfWeek"]))
            if frequency % days_listed:
                raise unsupported("Timing.repeat.frequency", "must be a multiple of the "
                                  "days in dayOfWeek")
            return frequency // days_listed
    elif frequency > 1 and days != 1:
        raise unsupported("Timing.repeat.frequency", "above 1 needs a period of 1 day")
    return frequency


def weekdays(codes: Any) -> list[int]:
    if not isinstance(codes, list) or not codes:
        raise unsupported("Timing.repeat.dayOfWeek", "must list days")
    try:
        return sorted({WEEKDAY_CODES.index(code) for code in codes})
    except ValueError:
        raise unsupported("Timing.repeat.dayOfWeek", "has an unknown day") from None


def times_of_day(repeat: Json, context: Context, per_day: int, amount: Decimal) -> list[Json]:
    """The day's dose times: timeOfDay, else when (+offset), else spread over the day."""
    if "timeOfDay" in repeat and "when" in repeat:
        raise unsupported("Timing.repeat.when", "together with timeOfDay is not supported")
    text = f"{amount.normalize():f}"
    if "timeOfDay" in repeat:
        walls = [wall_time(value) for value in repeat["timeOfDay"]]
        entries = [{"at": wall.strftime("%H:%M"), "amount": text} for wall in walls]
    else:
        entries = [{**anchored, "amount": text} for anchored in _anchored(repeat, per_day)]
        for entry in entries:
            entry["at"] = resolve(context.day, DayAnchor(entry["anchor"]),
                                  int(entry["offset"])).strftime("%H:%M")
    if len(entries) != per_day:
        raise unsupported("Timing.repeat.frequency",
                          f"of {per_day} a day does not match {len(entries)} times of day")
    if len({entry["at"] for entry in entries}) != len(entries):
        raise unsupported("Timing.repeat.timeOfDay", "lists the same time twice")
    return sorted(entries, key=lambda entry: entry["at"])


def wall_time(value: Any) -> time:
    try:
        wall = time.fromisoformat(str(value))
    except ValueError:
        raise unsupported("Timing.repeat.timeOfDay", f"'{value}' is not a time") from None
    if wall.second or wall.microsecond:
        raise unsupported("Timing.repeat.timeOfDay", "with seconds is not supported")
    return wall


def _anchored(repeat: Json, frequency: int) -> list[Json]:
    codes = repeat.get("when")
    if codes is None:
        if frequency not in SPREAD:
            raise unsupported("Timing.repeat.frequency", "above 4 a day needs timeOfDay")
        return [{"anchor": a.value, "offset": 0} for a in SPREAD[frequency]]
    offset = repeat.get("offset")
    if offset is not None:  # unsignedInt: minutes after (or, for AC*, before) the event
        offset = whole_number(offset, "Timing.repeat.offset", least=0)
    if not isinstance(codes, list) or not codes:
        raise unsupported("Timing.repeat.when", "must list event codes")
    entries = []
    for code in codes:
        if code not in WHEN_CODES:
            raise unsupported("Timing.repeat.when", f"'{code}' is not supported")
        anchors, sign, default = WHEN_CODES[code]
        minutes = offset if offset is not None else default
        entries += [{"anchor": a.value, "offset": sign * minutes} for a in anchors]
    return entries
