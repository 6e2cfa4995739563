"""FHIR R4 ``Dosage`` / ``Timing`` in: one dosage instruction to PulseRx schedule fields.

Pure (but for gettext): it reads JSON (dicts) and returns the values of ``Schedule`` fields.
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
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from pulserx.fhir.as_needed_in import as_needed as as_needed_fields
from pulserx.fhir.base import (
    PULSERX_EXT,
    Context,
    Json,
    NeedsTime,
    Unsupported,
    unsupported,
    whole_number,
)
from pulserx.fhir.times_in import WEEKDAY_CODES, doses_per_day, times_of_day, wall_time, weekdays
from pulserx.fhir.units import DoseUnit
from pulserx.fhir.values_in import UNIT_MINUTES, period_minutes, quantity_unit
from pulserx.fhir.values_in import only as _only
from pulserx.fhir.values_in import positive_number as _number

__all__ = ["PULSERX_EXT", "WEEKDAY_CODES", "Context", "DosageFields", "Json", "Unsupported",
           "fhir_date", "read_dosage", "unsupported"]

DOSAGE_KEYS = {"sequence", "text", "patientInstruction", "timing", "asNeededBoolean",
               "asNeededCodeableConcept", "modifierExtension",
               "doseAndRate", "maxDosePerPeriod", "route", "method", "site",
               "additionalInstruction"}
REPEAT_KEYS = {"frequency", "frequencyMax", "period", "periodMax", "periodUnit", "timeOfDay",
               "when", "offset", "dayOfWeek", "boundsPeriod", "boundsDuration", "count",
               "extension"}
TZ_CODE = "http://hl7.org/fhir/StructureDefinition/tz-code"
DURATION_DAYS = {"d": 1, "wk": 7}
MAX_COUNT = 1000


@dataclass
class DosageFields:
    """One dosage instruction as Schedule field values, plus its amount and extras."""

    fields: dict[str, Any]
    amount: Decimal
    unit: DoseUnit
    instructions: list[str]
    days: int | None = None  # boundsDuration in days (tapering phases)
    starts: date | None = None  # boundsPeriod.start, when the dosage gives its own


def read_dosage(dosage: Json, context: Context, start: date | None) -> DosageFields:
    """Map one Dosage; `start` is the first day when the dosage itself does not say."""
    _only(dosage, DOSAGE_KEYS, "Dosage")
    amount, unit = _amount(dosage)
    instructions = [str(dosage[k]) for k in ("text", "patientInstruction") if dosage.get(k)]
    for key in ("route", "method", "site"):
        if dosage.get(key):
            instructions.append(f"{key}: {_concept_text(dosage[key], f'Dosage.{key}')}")
    extra = dosage.get("additionalInstruction") or []
    if not isinstance(extra, list):
        # Translators: %(element)s is a FHIR element path, kept as written.
        raise unsupported(_("%(element)s must be a list"), element="Dosage.additionalInstruction")
    instructions += [_concept_text(c, "Dosage.additionalInstruction") for c in extra]
    as_needed = _as_needed_flag(dosage, instructions)
    if "timing" not in dosage and not as_needed:
        # Translators: %(element)s is a FHIR element path, kept as written.
        raise unsupported(_("%(element)s is missing and the dosage is not as needed: PulseRx "
                            "will not invent a time to remind"), element="Dosage.timing")
    timing = dosage.get("timing") or {}
    _only(timing, {"repeat", "code"}, "Dosage.timing")
    if "code" in timing and "repeat" not in timing:
        # Translators: %(element)s and %(other)s are FHIR element paths, kept as written.
        raise unsupported(_("%(element)s without %(other)s is not supported"),
                          element="Timing.code", other="Timing.repeat")
    repeat = timing.get("repeat") or {}
    _only(repeat, REPEAT_KEYS, "Timing.repeat")
    if dosage.get("modifierExtension"):  # PulseRx's own (others are refused before)
        repeat = {**repeat, "extension": [*repeat.get("extension", []),
                                          *dosage["modifierExtension"]]}
    first, last, days = _bounds(repeat, context, start)
    if as_needed:
        fields = as_needed_fields(dosage, repeat, amount, unit)
    else:
        if "maxDosePerPeriod" in dosage:
            # Translators: %(element)s is a FHIR element path, kept as written.
            raise unsupported(_("%(element)s on a scheduled dosage is not supported: PulseRx "
                                "limits only doses taken as needed"),
                              element="Dosage.maxDosePerPeriod")
        fields = _scheduled(repeat, context, first, amount)
    fields.setdefault("start_date", first)
    fields.setdefault("end_date", last)
    counted = _apply_count(repeat, fields, context)
    if counted is not None:  # a phase lasts as long as its count of doses
        days = counted if days is None else min(days, counted)
    starts = first if "start" in (repeat.get("boundsPeriod") or {}) else None
    return DosageFields(fields=fields, amount=amount, unit=unit, instructions=instructions,
                        days=days, starts=starts)


def _as_needed_flag(dosage: Json, instructions: list[str]) -> bool:
    """asNeededBoolean, or asNeededCodeableConcept (as needed for a reason, kept as an
    instruction)."""
    if "asNeededCodeableConcept" in dosage:
        reason = _concept_text(dosage["asNeededCodeableConcept"],
                               "Dosage.asNeededCodeableConcept")
        instructions.append(f"as needed for {reason}")
        return True
    flag = dosage.get("asNeededBoolean", False)
    if not isinstance(flag, bool):
        # Translators: %(element)s is a FHIR element path, kept as written.
        raise unsupported(_("%(element)s must be true or false"),
                          element="Dosage.asNeededBoolean")
    return flag


def _concept_text(concept: Any, path: str) -> str:
    if not isinstance(concept, dict):
        # Translators: %(element)s is a FHIR element path, kept as written.
        raise unsupported(_("%(element)s must be a CodeableConcept"), element=path)
    codings = concept.get("coding") or [{}]
    text = concept.get("text") or codings[0].get("display") or codings[0].get("code")
    if not text:
        # Translators: %(element)s is a FHIR element path, kept as written.
        raise unsupported(_("%(element)s has no text or display"), element=path)
    return str(text)


def _amount(dosage: Json) -> tuple[Decimal, DoseUnit]:
    """The amount of one dose and its unit; without doseAndRate, one of the product."""
    entries = dosage.get("doseAndRate") or []
    if len(entries) > 1:
        # Translators: %(element)s is a FHIR element path, kept as written.
        raise unsupported(_("%(element)s with more than one entry is not supported"),
                          element="Dosage.doseAndRate")
    if not entries:
        return Decimal(1), DoseUnit("")
    entry = entries[0]
    _only(entry, {"type", "doseQuantity", "doseRange"}, "Dosage.doseAndRate")
    if "doseRange" in entry:
        # Translators: %(element)s is a FHIR element path, kept as written.
        raise unsupported(_("%(element)s is not supported"),
                          element="Dosage.doseAndRate.doseRange")
    if "doseQuantity" not in entry:
        # Translators: %(element)s is a FHIR element path and %(other)s a FHIR element name
        # ("doseQuantity"), both kept as written.
        raise unsupported(_("%(element)s has an entry without %(other)s: the amount of a dose "
                            "is not said"), element="Dosage.doseAndRate", other="doseQuantity")
    quantity = entry["doseQuantity"]
    _only(quantity, {"value", "unit", "system", "code", "comparator"},
          "Dosage.doseAndRate.doseQuantity")
    if "comparator" in quantity:
        # Translators: %(element)s is a FHIR element path, kept as written.
        raise unsupported(_("%(element)s makes the amount a bound, not an amount"),
                          element="Dosage.doseAndRate.doseQuantity.comparator")
    amount = _number(quantity.get("value"), "Dosage.doseAndRate.doseQuantity.value")
    if amount >= 10000 or amount != round(amount, 2):
        # Translators: %(element)s is a FHIR element path, kept as written.
        raise unsupported(_("%(element)s must be below 10000 with at most 2 decimals"),
                          element="Dosage.doseAndRate.doseQuantity.value")
    return amount, quantity_unit(quantity, "Dosage.doseAndRate.doseQuantity")


def fhir_date(value: Any, path: str, context: Context) -> date:
    """A FHIR date or dateTime as a local date on the patient's clock."""
    text = str(value)
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        # Translators: %(element)s is a FHIR element path, kept as written.
        raise unsupported(_("%(element)s is not a valid date"), element=path) from None
    if moment.tzinfo is None:
        # Translators: %(element)s is a FHIR element path, kept as written.
        raise unsupported(_("%(element)s needs a time zone"), element=path)
    return moment.astimezone(context.zone).date()


def _bounds(repeat: Json, context: Context, start: date | None
            ) -> tuple[date, date | None, int | None]:
    """First day, last day (inclusive) and a duration in days if one was given."""
    first = start or context.today
    if "boundsPeriod" in repeat:
        period = repeat["boundsPeriod"]
        _only(period, {"start", "end", "_start", "_end"}, "Timing.repeat.boundsPeriod")
        _same_zone(period, context)
        if "start" in period:
            first = fhir_date(period["start"], "Timing.repeat.boundsPeriod.start", context)
        last = (fhir_date(period["end"], "Timing.repeat.boundsPeriod.end", context)
                if "end" in period else None)
        if last is not None and last < first:
            # Translators: %(element)s is a FHIR element path, kept as written.
            raise unsupported(_("%(element)s is before its start"),
                              element="Timing.repeat.boundsPeriod.end")
        return first, last, None
    if "boundsDuration" in repeat:
        duration = repeat["boundsDuration"]
        _only(duration, {"value", "unit", "system", "code"}, "Timing.repeat.boundsDuration")
        unit = duration.get("code") or duration.get("unit")
        if unit not in DURATION_DAYS:
            # Translators: %(element)s is a FHIR element path, kept as written; %(unit)s the
            # unit code the document gives it.
            raise unsupported(_("%(element)s in '%(unit)s' is not supported"),
                              element="Timing.repeat.boundsDuration", unit=unit)
        value = _number(duration.get("value"), "Timing.repeat.boundsDuration.value")
        if value != int(value):
            # Translators: %(element)s is a FHIR element path, kept as written.
            raise unsupported(_("%(element)s must be whole days"),
                              element="Timing.repeat.boundsDuration.value")
        days = int(value) * DURATION_DAYS[unit]
        return first, first + timedelta(days=days - 1), days
    return first, None, None


def _same_zone(period: Json, context: Context) -> None:
    """A zone named on the bounds (the core tz-code extension) must be the patient's
    reminder clock: the wall times are that zone's, and read on another clock they would be
    other instants."""
    for key in ("_start", "_end"):
        for extension in (period.get(key) or {}).get("extension") or []:
            if isinstance(extension, dict) and extension.get("url") == TZ_CODE and \
                    extension.get("valueCode") != context.zone.key:
                # Translators: %(element)s is a FHIR element path, kept as written;
                # %(zone)s and %(clock)s are time zone names ("Europe/Berlin").
                raise unsupported(_("%(element)s names the zone %(zone)s for its times, not "
                                    "the patient's reminder clock %(clock)s"),
                                  element=f"Timing.repeat.boundsPeriod.{key[1:]}",
                                  zone=extension.get("valueCode"), clock=context.zone.key)


def _scheduled(repeat: Json, context: Context, first: date, amount: Decimal) -> dict[str, Any]:
    for key in ("frequencyMax", "periodMax"):
        if key in repeat:
            # Translators: %(element)s is a FHIR element path, kept as written.
            raise unsupported(_("%(element)s is only supported as needed"),
                              element=f"Timing.repeat.{key}")
    period = period_minutes(repeat)
    frequency = whole_number(repeat.get("frequency", 1), "Timing.repeat.frequency")
    extras = _extensions(repeat)
    if period is not None and period < UNIT_MINUTES["d"]:
        return _every_hours(repeat, context, first, amount, period // frequency, extras)
    days = (period or UNIT_MINUTES["d"]) / UNIT_MINUTES["d"]
    if days != int(days):
        # Translators: %(element)s is a FHIR element path, kept as written.
        raise unsupported(_("%(element)s must be whole days"), element="Timing.repeat.period")
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
            # Translators: %(element)s is a FHIR element path, kept as written; %(value)s the
            # extension's URL.
            raise unsupported(_("%(element)s '%(value)s' is not supported"),
                              element="Timing.repeat.extension", value=url)
        found[url.removeprefix(PULSERX_EXT)] = str(extension["valueString"])
    return found


def _every_hours(repeat: Json, context: Context, first: date, amount: Decimal, minutes: int,
                 extras: dict[str, str]) -> dict[str, Any]:
    for key in ("when", "dayOfWeek"):
        if key in repeat:
            # Translators: %(element)s is a FHIR element path, kept as written.
            raise unsupported(_("%(element)s with an interval in hours is not supported"),
                              element=f"Timing.repeat.{key}")
    start = (repeat.get("boundsPeriod") or {}).get("start")
    if isinstance(start, str) and len(start) > 10:
        anchor = datetime.fromisoformat(start.replace("Z", "+00:00"))
    else:
        walls = [wall_time(v) for v in repeat.get("timeOfDay", [])] or [context.day.wake]
        if len(walls) != 1:
            # Translators: %(element)s is a FHIR element path, kept as written.
            raise unsupported(_("%(element)s with an interval in hours takes one first time"),
                              element="Timing.repeat.timeOfDay")
        anchor = datetime.combine(first, walls[0], tzinfo=context.zone)
    fields: dict[str, Any] = {"recurrence": "every_hours", "times": [],
                              "every_minutes": minutes, "anchor_at": anchor,
                              "dose_amount": amount,
                              "interval_from": extras.get("interval-from", "scheduled")}
    if "waking-window" in extras:
        opens, closes = extras["waking-window"].split("-")
        fields.update(window_start=wall_time(opens), window_end=wall_time(closes))
    return fields


def _apply_count(repeat: Json, fields: dict[str, Any], context: Context) -> int | None:
    """Apply `count`; the days it lasts, for a schedule of daily times."""
    if "count" not in repeat:
        return None
    count = whole_number(repeat["count"], "Timing.repeat.count")
    if count > MAX_COUNT:
        # Translators: %(element)s is a FHIR element path, kept as written; %(most)s a number.
        raise unsupported(_("%(element)s must be a whole number 1 to %(most)s"),
                          element="Timing.repeat.count", most=MAX_COUNT)
    if fields["recurrence"] == "every_hours":
        fields["dose_count"] = count
        return None
    if count == 1 and "timeOfDay" not in repeat and "when" not in repeat:
        if context.single_dose_at is None:
            # Translators: %(element)s is a FHIR element path, %(time)s and %(when)s FHIR
            # element names ("timeOfDay", "when"), all kept as written.
            raise NeedsTime(_("%(element)s 1 without %(time)s or %(when)s: a single dose is "
                              "reminded at the time it is to be given, and the prescription "
                              "does not say it; choose the time") % {
                "element": "Timing.repeat.count", "time": "timeOfDay", "when": "when"})
        if fields["recurrence"] != "daily":
            # Translators: %(element)s is a FHIR element path, kept as written.
            raise unsupported(_("%(element)s 1 is a single dose on one day"),
                              element="Timing.repeat.count")
        fields["times"] = [{"at": context.single_dose_at.strftime("%H:%M"),
                            "amount": fields["times"][0]["amount"]}]
    per_day = len(fields["times"])
    if fields["recurrence"] != "daily" or count % per_day:
        # Translators: %(element)s is a FHIR element path, kept as written.
        raise unsupported(_("%(element)s is only supported for whole days of a daily "
                            "schedule or an interval in hours"), element="Timing.repeat.count")
    last = fields["start_date"] + timedelta(days=count // per_day - 1)
    fields["end_date"] = min(last, fields["end_date"] or last)
    return count // per_day
