"""FHIR R4 ``Dosage`` / ``Timing`` in: one dosage instruction to PulseRx schedule fields.

Pure and stdlib-only: it reads JSON (dicts) and returns the values of ``Schedule`` fields.
What PulseRx cannot represent is refused with :class:`Unsupported`, whose message names the
FHIR element ("Timing.repeat.durationMax is not supported"), never silently dropped.

Mapping (see docs/fhir.md):

* ``timeOfDay`` → wall times on the patient's clock; ``when`` (+ ``offset``) → times anchored
  to the patient's day (CM/CD/CV breakfast/lunch/dinner, C all three, AC*/PC* before/after,
  WAKE, HS bedtime);
* ``frequency`` per ``period`` ``periodUnit``: ``h``/``min`` → every N hours of elapsed time;
  ``d`` → times of day (without times: spread over the patient's meals and bedtime), every
  N days when ``period`` > 1; ``wk`` → every 7·N days, or the weekdays of ``dayOfWeek``;
* ``boundsPeriod`` / ``boundsDuration`` → first and last day; ``count`` → a number of doses;
* ``asNeededBoolean`` → as-needed; its ``period`` is then the minimum gap, ``frequencyMax``
  per ``period`` or ``maxDosePerPeriod`` the maximum per rolling period;
* ``doseAndRate[0].doseQuantity`` → the amount.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from pulserx.reminders.anchors import DayAnchor, PatientDay, resolve

Json = dict[str, Any]

DOSAGE_KEYS = {"sequence", "text", "patientInstruction", "timing", "asNeededBoolean",
               "doseAndRate", "maxDosePerPeriod", "route", "method", "site",
               "additionalInstruction"}
REPEAT_KEYS = {"frequency", "frequencyMax", "period", "periodMax", "periodUnit", "timeOfDay",
               "when", "offset", "dayOfWeek", "boundsPeriod", "boundsDuration", "count",
               "extension"}
WEEKDAY_CODES = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
UNIT_MINUTES = {"min": 1, "h": 60, "d": 24 * 60, "wk": 7 * 24 * 60}
DURATION_DAYS = {"d": 1, "wk": 7}
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
PULSERX_EXT = "https://pulserx.org/fhir/StructureDefinition/"
MAX_COUNT = 1000


class Unsupported(ValueError):
    """A FHIR element PulseRx cannot represent; the message names it."""


def unsupported(element: str, why: str = "is not supported") -> Unsupported:
    return Unsupported(f"{element} {why}")


@dataclass
class Context:
    """What the mapping needs to know about the patient."""

    today: date
    zone: ZoneInfo
    day: PatientDay = field(default_factory=PatientDay)


@dataclass
class DosageFields:
    """One dosage instruction as Schedule field values, plus its amount and extras."""

    fields: dict[str, Any]
    amount: Decimal
    instructions: list[str]
    days: int | None = None  # boundsDuration in days (tapering phases)


def read_dosage(dosage: Json, context: Context, start: date | None) -> DosageFields:
    """Map one Dosage; `start` is the first day when the dosage itself does not say."""
    _only(dosage, DOSAGE_KEYS, "Dosage")
    amount = _amount(dosage)
    instructions = [str(dosage[k]) for k in ("text", "patientInstruction") if dosage.get(k)]
    for key in ("route", "method", "site"):
        if dosage.get(key):
            instructions.append(f"{key}: {_concept_text(dosage[key], f'Dosage.{key}')}")
    timing = dosage.get("timing") or {}
    _only(timing, {"repeat", "code"}, "Dosage.timing")
    if "code" in timing and "repeat" not in timing:
        raise unsupported("Timing.code", "without Timing.repeat is not supported")
    repeat = timing.get("repeat") or {}
    _only(repeat, REPEAT_KEYS, "Timing.repeat")
    first, last, days = _bounds(repeat, context, start)
    if dosage.get("asNeededBoolean") is True:
        fields = _as_needed(dosage, repeat, amount)
    elif "asNeededBoolean" in dosage and dosage["asNeededBoolean"] is not False:
        raise unsupported("Dosage.asNeededBoolean", "must be true or false")
    else:
        if "maxDosePerPeriod" in dosage:
            raise unsupported("Dosage.maxDosePerPeriod", "is only supported as needed")
        fields = _scheduled(repeat, context, first, amount)
    fields.setdefault("start_date", first)
    fields.setdefault("end_date", last)
    _apply_count(repeat, fields)
    return DosageFields(fields=fields, amount=amount, instructions=instructions, days=days)


def _only(element: Json, allowed: set[str], path: str) -> None:
    if not isinstance(element, dict):
        raise unsupported(path, "must be a JSON object")
    for key in element:
        if key not in allowed:
            raise unsupported(f"{path}.{key}")


def _concept_text(concept: Any, path: str) -> str:
    if not isinstance(concept, dict):
        raise unsupported(path, "must be a CodeableConcept")
    codings = concept.get("coding") or [{}]
    text = concept.get("text") or codings[0].get("display") or codings[0].get("code")
    if not text:
        raise unsupported(path, "has no text or display")
    return str(text)


def _number(value: Any, path: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise unsupported(path, "must be a number") from None
    if not number.is_finite() or number <= 0:
        raise unsupported(path, "must be a number above 0")
    return number


def _amount(dosage: Json) -> Decimal:
    entries = dosage.get("doseAndRate") or []
    if len(entries) > 1:
        raise unsupported("Dosage.doseAndRate", "with more than one entry is not supported")
    if not entries:
        return Decimal(1)
    entry = entries[0]
    _only(entry, {"type", "doseQuantity", "doseRange"}, "Dosage.doseAndRate")
    if "doseRange" in entry:
        raise unsupported("Dosage.doseAndRate.doseRange")
    quantity = entry.get("doseQuantity") or {}
    amount = _number(quantity.get("value"), "Dosage.doseAndRate.doseQuantity.value")
    if amount >= 10000 or amount != round(amount, 2):
        raise unsupported("Dosage.doseAndRate.doseQuantity.value",
                          "must be below 10000 with at most 2 decimals")
    return amount


def fhir_date(value: Any, path: str, context: Context) -> date:
    """A FHIR date or dateTime as a local date on the patient's clock."""
    text = str(value)
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise unsupported(path, "is not a valid date") from None
    if moment.tzinfo is None:
        raise unsupported(path, "needs a time zone")
    return moment.astimezone(context.zone).date()


def _bounds(repeat: Json, context: Context, start: date | None
            ) -> tuple[date, date | None, int | None]:
    """First day, last day (inclusive) and a duration in days if one was given."""
    first = start or context.today
    if "boundsPeriod" in repeat:
        period = repeat["boundsPeriod"]
        _only(period, {"start", "end"}, "Timing.repeat.boundsPeriod")
        if "start" in period:
            first = fhir_date(period["start"], "Timing.repeat.boundsPeriod.start", context)
        last = (fhir_date(period["end"], "Timing.repeat.boundsPeriod.end", context)
                if "end" in period else None)
        if last is not None and last < first:
            raise unsupported("Timing.repeat.boundsPeriod.end", "is before its start")
        return first, last, None
    if "boundsDuration" in repeat:
        duration = repeat["boundsDuration"]
        _only(duration, {"value", "unit", "system", "code"}, "Timing.repeat.boundsDuration")
        unit = duration.get("code") or duration.get("unit")
        if unit not in DURATION_DAYS:
            raise unsupported("Timing.repeat.boundsDuration", f"in '{unit}' is not supported")
        value = _number(duration.get("value"), "Timing.repeat.boundsDuration.value")
        if value != int(value):
            raise unsupported("Timing.repeat.boundsDuration.value", "must be whole days")
        days = int(value) * DURATION_DAYS[unit]
        return first, first + timedelta(days=days - 1), days
    return first, None, None


def _period_minutes(repeat: Json, key: str = "period") -> int | None:
    if key not in repeat:
        return None
    unit = repeat.get("periodUnit")
    if unit not in UNIT_MINUTES:
        raise unsupported("Timing.repeat.periodUnit", f"'{unit}' is not supported")
    minutes = _number(repeat[key], f"Timing.repeat.{key}") * UNIT_MINUTES[unit]
    if minutes != int(minutes):
        raise unsupported(f"Timing.repeat.{key}", "must be a whole number of minutes")
    return int(minutes)


def _as_needed(dosage: Json, repeat: Json, amount: Decimal) -> dict[str, Any]:
    for key in ("timeOfDay", "when", "dayOfWeek", "count"):
        if key in repeat:
            raise unsupported(f"Timing.repeat.{key}", "is not supported as needed")
    fields: dict[str, Any] = {"recurrence": "as_needed", "times": [], "dose_amount": amount}
    period = _period_minutes(repeat)
    frequency = int(repeat.get("frequency", 1))
    if period is not None:
        # "every 4-6 hours as needed": at least `period` between doses (periodMax is looser).
        fields["min_gap_minutes"] = period // max(frequency, 1)
        if "frequencyMax" in repeat:
            fields["max_doses"] = int(repeat["frequencyMax"])
            fields["limit_period_hours"] = _whole_hours(period, "Timing.repeat.period")
            fields.pop("min_gap_minutes")
    if "maxDosePerPeriod" in dosage:
        fields.update(_max_per_period(dosage["maxDosePerPeriod"], amount))
    return fields


def _whole_hours(minutes: int, path: str) -> int:
    if minutes % 60:
        raise unsupported(path, "must be whole hours for a limit")
    return minutes // 60


def _max_per_period(ratio: Any, amount: Decimal) -> dict[str, Any]:
    path = "Dosage.maxDosePerPeriod"
    if isinstance(ratio, list):  # R5 makes it a list; R4 a single Ratio
        if len(ratio) != 1:
            raise unsupported(path, "with more than one ratio is not supported")
        ratio = ratio[0]
    _only(ratio, {"numerator", "denominator"}, path)
    most = _number((ratio.get("numerator") or {}).get("value"), f"{path}.numerator.value")
    denominator = ratio.get("denominator") or {}
    unit = denominator.get("code") or denominator.get("unit")
    if unit not in ("h", "d"):
        raise unsupported(f"{path}.denominator", f"in '{unit}' is not supported")
    hours = _number(denominator.get("value"), f"{path}.denominator.value") * (
        24 if unit == "d" else 1)
    doses = most / amount
    if doses != int(doses) or hours != int(hours):
        raise unsupported(f"{path}", "must be a whole number of doses per whole hours")
    return {"max_doses": int(doses), "limit_period_hours": int(hours)}


def _scheduled(repeat: Json, context: Context, first: date, amount: Decimal) -> dict[str, Any]:
    for key in ("frequencyMax", "periodMax"):
        if key in repeat:
            raise unsupported(f"Timing.repeat.{key}", "is only supported as needed")
    period = _period_minutes(repeat)
    frequency = int(repeat.get("frequency", 1))
    if frequency < 1:
        raise unsupported("Timing.repeat.frequency", "must be at least 1")
    extras = _extensions(repeat)
    if period is not None and period < UNIT_MINUTES["d"]:
        return _every_hours(repeat, context, first, amount, period // frequency, extras)
    days = (period or UNIT_MINUTES["d"]) / UNIT_MINUTES["d"]
    if days != int(days):
        raise unsupported("Timing.repeat.period", "must be whole days")
    per_day = _doses_per_day(repeat, frequency, int(days))
    fields: dict[str, Any] = {"recurrence": "daily",
                              "times": _times(repeat, context, per_day, amount)}
    if "dayOfWeek" in repeat:
        fields.update(recurrence="weekdays", weekdays=_weekdays(repeat["dayOfWeek"]))
    elif days > 1:
        fields.update(recurrence="interval", every_days=int(days))
    if "cycle" in extras:
        on, off = (int(part) for part in extras["cycle"].split("/"))
        fields.update(recurrence="cycle", days_on=on, days_off=off)
    return fields


def _extensions(repeat: Json) -> dict[str, str]:
    """PulseRx's own extensions (what FHIR lacks: cycles, waking windows, count-from)."""
    found = {}
    for extension in repeat.get("extension", []):
        url = str(extension.get("url", ""))
        if not url.startswith(PULSERX_EXT) or "valueString" not in extension:
            raise unsupported("Timing.repeat.extension", f"'{url}' is not supported")
        found[url.removeprefix(PULSERX_EXT)] = str(extension["valueString"])
    return found


def _doses_per_day(repeat: Json, frequency: int, days: int) -> int:
    """Doses on each dose day: `frequency` per day, or per week spread over `dayOfWeek`."""
    if "dayOfWeek" in repeat:
        if days not in (1, 7):
            raise unsupported("Timing.repeat.dayOfWeek", "with a period above 1 week is "
                              "not supported")
        if days == 7:
            weekdays = len(_weekdays(repeat["dayOfWeek"]))
            if frequency % weekdays:
                raise unsupported("Timing.repeat.frequency", "must be a multiple of the "
                                  "days in dayOfWeek")
            return frequency // weekdays
    elif frequency > 1 and days != 1:
        raise unsupported("Timing.repeat.frequency", "above 1 needs a period of 1 day")
    return frequency


def _weekdays(codes: Any) -> list[int]:
    if not isinstance(codes, list) or not codes:
        raise unsupported("Timing.repeat.dayOfWeek", "must list days")
    try:
        return sorted({WEEKDAY_CODES.index(code) for code in codes})
    except ValueError:
        raise unsupported("Timing.repeat.dayOfWeek", "has an unknown day") from None


def _times(repeat: Json, context: Context, per_day: int, amount: Decimal) -> list[Json]:
    """The day's dose times: timeOfDay, else when (+offset), else spread over the day."""
    if "timeOfDay" in repeat and "when" in repeat:
        raise unsupported("Timing.repeat.when", "together with timeOfDay is not supported")
    text = f"{amount.normalize():f}"
    if "timeOfDay" in repeat:
        walls = [_wall(value) for value in repeat["timeOfDay"]]
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


def _wall(value: Any) -> time:
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
    entries = []
    for code in codes:
        if code not in WHEN_CODES:
            raise unsupported("Timing.repeat.when", f"'{code}' is not supported")
        anchors, sign, default = WHEN_CODES[code]
        minutes = int(offset) if offset is not None else default
        entries += [{"anchor": a.value, "offset": sign * minutes} for a in anchors]
    return entries


def _every_hours(repeat: Json, context: Context, first: date, amount: Decimal, minutes: int,
                 extras: dict[str, str]) -> dict[str, Any]:
    for key in ("when", "dayOfWeek"):
        if key in repeat:
            raise unsupported(f"Timing.repeat.{key}", "with an interval in hours is not "
                              "supported")
    start = (repeat.get("boundsPeriod") or {}).get("start")
    if isinstance(start, str) and len(start) > 10:
        anchor = datetime.fromisoformat(start.replace("Z", "+00:00"))
    else:
        walls = [_wall(v) for v in repeat.get("timeOfDay", [])] or [context.day.wake]
        if len(walls) != 1:
            raise unsupported("Timing.repeat.timeOfDay", "with an interval in hours takes "
                              "one first time")
        anchor = datetime.combine(first, walls[0], tzinfo=context.zone)
    fields: dict[str, Any] = {"recurrence": "every_hours", "times": [],
                              "every_minutes": minutes, "anchor_at": anchor,
                              "dose_amount": amount,
                              "interval_from": extras.get("interval-from", "scheduled")}
    if "waking-window" in extras:
        opens, closes = extras["waking-window"].split("-")
        fields.update(window_start=_wall(opens), window_end=_wall(closes))
    return fields


def _apply_count(repeat: Json, fields: dict[str, Any]) -> None:
    if "count" not in repeat:
        return
    count = repeat["count"]
    if not isinstance(count, int) or not 1 <= count <= MAX_COUNT:
        raise unsupported("Timing.repeat.count", f"must be a whole number 1 to {MAX_COUNT}")
    if fields["recurrence"] == "every_hours":
        fields["dose_count"] = count
        return
    per_day = len(fields["times"])
    if fields["recurrence"] != "daily" or count % per_day:
        raise unsupported("Timing.repeat.count", "is only supported for whole days of a "
                          "daily schedule or an interval in hours")
    last = fields["start_date"] + timedelta(days=count // per_day - 1)
    fields["end_date"] = min(last, fields["end_date"] or last)
