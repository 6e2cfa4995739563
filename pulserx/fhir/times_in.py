"""FHIR ``Timing.repeat`` times of day in: ``timeOfDay``, ``when`` + ``offset`` onto the
patient's day, ``dayOfWeek``, and "N times a day" spread over the patient's meals.

Pure (but for gettext), part of :mod:`pulserx.fhir.timing_in`.
"""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

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
            # Translators: %(element)s is a FHIR element path, kept as written.
            raise unsupported(_("%(element)s with a period above 1 week is not supported"),
                              element="Timing.repeat.dayOfWeek")
        if days == 7:
            days_listed = len(weekdays(repeat["dayOfWeek"]))
            if frequency % days_listed:
                # Translators: %(element)s is a FHIR element path and %(days)s a FHIR
                # element name ("dayOfWeek"), both kept as written.
                raise unsupported(_("%(element)s must be a multiple of the days in %(days)s"),
                                  element="Timing.repeat.frequency", days="dayOfWeek")
            return frequency // days_listed
    elif frequency > 1 and days != 1:
        # Translators: %(element)s is a FHIR element path, kept as written.
        raise unsupported(_("%(element)s above 1 needs a period of 1 day"),
                          element="Timing.repeat.frequency")
    return frequency


def weekdays(codes: Any) -> list[int]:
    if not isinstance(codes, list) or not codes:
        # Translators: %(element)s is a FHIR element path, kept as written.
        raise unsupported(_("%(element)s must list days"), element="Timing.repeat.dayOfWeek")
    try:
        return sorted({WEEKDAY_CODES.index(code) for code in codes})
    except ValueError:
        # Translators: %(element)s is a FHIR element path, kept as written.
        raise unsupported(_("%(element)s has an unknown day"),
                          element="Timing.repeat.dayOfWeek") from None


def times_of_day(repeat: Json, context: Context, per_day: int, amount: Decimal) -> list[Json]:
    """The day's dose times: timeOfDay, else when (+offset), else spread over the day."""
    if "timeOfDay" in repeat and "when" in repeat:
        # Translators: %(element)s is a FHIR element path and %(other)s a FHIR element name
        # ("timeOfDay"), both kept as written.
        raise unsupported(_("%(element)s together with %(other)s is not supported"),
                          element="Timing.repeat.when", other="timeOfDay")
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
        # Translators: %(element)s is a FHIR element path, kept as written; %(frequency)s the
        # doses a day it gives; %(times)s the number of times of day the document lists.
        raise unsupported(_("%(element)s of %(frequency)s a day does not match %(times)s times "
                            "of day"), element="Timing.repeat.frequency", frequency=per_day,
                          times=len(entries))
    if len({entry["at"] for entry in entries}) != len(entries):
        # Translators: %(element)s is a FHIR element path, kept as written.
        raise unsupported(_("%(element)s lists the same time twice"),
                          element="Timing.repeat.timeOfDay")
    return sorted(entries, key=lambda entry: entry["at"])


def wall_time(value: Any) -> time:
    try:
        wall = time.fromisoformat(str(value))
    except ValueError:
        # Translators: %(element)s is a FHIR element path, kept as written; %(value)s the
        # value the document gives it.
        raise unsupported(_("%(element)s '%(value)s' is not a time"),
                          element="Timing.repeat.timeOfDay", value=value) from None
    if wall.second or wall.microsecond:
        # Translators: %(element)s is a FHIR element path, kept as written.
        raise unsupported(_("%(element)s with seconds is not supported"),
                          element="Timing.repeat.timeOfDay")
    return wall


def _anchored(repeat: Json, frequency: int) -> list[Json]:
    codes = repeat.get("when")
    if codes is None:
        if frequency not in SPREAD:
            # Translators: %(element)s is a FHIR element path and %(other)s a FHIR element
            # name ("timeOfDay"), both kept as written.
            raise unsupported(_("%(element)s above 4 a day needs %(other)s"),
                              element="Timing.repeat.frequency", other="timeOfDay")
        return [{"anchor": a.value, "offset": 0} for a in SPREAD[frequency]]
    offset = repeat.get("offset")
    if offset is not None:  # unsignedInt: minutes after (or, for AC*, before) the event
        offset = whole_number(offset, "Timing.repeat.offset", least=0)
    if not isinstance(codes, list) or not codes:
        # Translators: %(element)s is a FHIR element path, kept as written.
        raise unsupported(_("%(element)s must list event codes"), element="Timing.repeat.when")
    entries = []
    for code in codes:
        if code not in WHEN_CODES:
            # Translators: %(element)s is a FHIR element path, kept as written; %(value)s the
            # code the document gives it.
            raise unsupported(_("%(element)s '%(value)s' is not supported"),
                              element="Timing.repeat.when", value=code)
        anchors, sign, default = WHEN_CODES[code]
        minutes = offset if offset is not None else default
        entries += [{"anchor": a.value, "offset": sign * minutes} for a in anchors]
    return entries
