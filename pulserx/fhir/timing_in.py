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

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from pulserx.fhir.base import PULSERX_EXT, Context, Json, Unsupported, unsupported
from pulserx.fhir.times_in import WEEKDAY_CODES, doses_per_day, times_of_day, wall_time, weekdays

__all__ = ["PULSERX_EXT", "WEEKDAY_CODES", "Context", "DosageFields", "Json", "Unsupported",
           "fhir_date", "read_dosage", "unsupported"]

DOSAGE_KEYS = {"sequence", "text", "patientInstruction", "timing", "asNeededBoolean",
               "doseAndRate", "maxDosePerPeriod", "route", "method", "site",
               "additionalInstruction"}
REPEAT_KEYS = {"frequency", "frequencyMax", "period", "periodMax", "periodUnit", "timeOfDay",
               "when", "offset", "dayOfWeek", "boundsPeriod", "boundsDuration", "count",
               "extension"}
UNIT_MINUTES = {"min": 1, "h": 60, "d": 24 * 60, "wk": 7 * 24 * 60}
DURATION_DAYS = {"d": 1, "wk": 7}
MAX_COUNT = 1000


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
    per_day = doses_per_day(repeat, frequency, int(days))
    fields: dict[str, Any] = {"recurrence": "daily",
                              "times": times_of_day(repeat, context, per_day, amount)}
    if "dayOfWeek" in repeat:
        fields.update(recurrence="weekdays", weekdays=weekdays(repeat["dayOfWeek"]))
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
        walls = [wall_time(v) for v in repeat.get("timeOfDay", [])] or [context.day.wake]
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
        fields.update(window_start=wall_time(opens), window_end=wall_time(closes))
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
