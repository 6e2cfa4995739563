"""FHIR as-needed dosages in: a minimum gap or a rolling maximum from the timing, and
``maxDosePerPeriod`` in whole doses. Pure and stdlib-only, part of
:mod:`pulserx.fhir.timing_in`."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pulserx.fhir.base import Json, unsupported, whole_number
from pulserx.fhir.units import DoseUnit, convert
from pulserx.fhir.values_in import (
    only,
    period_minutes,
    positive_number,
    quantity_unit,
)

# A maximum in a measured unit for doses counted in product units, settled with the strength.
MEASURED_MAX = "_max_measured"


def as_needed(dosage: Json, repeat: Json, amount: Decimal, unit: DoseUnit
               ) -> dict[str, Any]:
    for key in ("timeOfDay", "when", "dayOfWeek", "count", "extension"):
        if key in repeat:
            raise unsupported(f"Timing.repeat.{key}", "is not supported as needed")
    fields: dict[str, Any] = {"recurrence": "as_needed", "times": [], "dose_amount": amount}
    period = period_minutes(repeat)
    frequency = whole_number(repeat.get("frequency", 1), "Timing.repeat.frequency")
    most = (whole_number(repeat["frequencyMax"], "Timing.repeat.frequencyMax")
            if "frequencyMax" in repeat else frequency)
    if period is not None:
        if most == 1:
            # "every 4(-6) hours as needed": at least `period` between two doses (the same as
            # at most one in any `period`); periodMax only says a longer wait is fine.
            fields["min_gap_minutes"] = period
        else:
            # "up to 4 times a day as needed": at most that many in any rolling period, not
            # evenly spaced.
            fields["max_doses"] = most
            fields["limit_period_hours"] = whole_hours(period, "Timing.repeat.period")
    elif "frequency" in repeat or "frequencyMax" in repeat:
        raise unsupported("Timing.repeat.frequency", "as needed needs a period to count in")
    if "maxDosePerPeriod" in dosage:
        limit = max_per_period(dosage["maxDosePerPeriod"], amount, unit)
        if MEASURED_MAX in limit:
            fields.update(limit)
        else:
            add_limit(fields, limit)
    return fields


def add_limit(fields: dict[str, Any], limit: dict[str, Any]) -> None:
    """A maximum from maxDosePerPeriod beside one from the timing: the smaller, over one
    period."""
    if "max_doses" in fields and fields["limit_period_hours"] != limit["limit_period_hours"]:
        raise unsupported("Dosage.maxDosePerPeriod", "over another period than "
                          "Timing.repeat's maximum: PulseRx keeps one rolling maximum")
    fields["max_doses"] = min(limit["max_doses"], fields.get("max_doses", limit["max_doses"]))
    fields["limit_period_hours"] = limit["limit_period_hours"]


def whole_hours(minutes: int, path: str) -> int:
    if minutes % 60:
        raise unsupported(path, "must be whole hours for a limit")
    return minutes // 60


def max_per_period(ratio: Any, amount: Decimal, dose_unit: DoseUnit) -> dict[str, Any]:
    path = "Dosage.maxDosePerPeriod"
    if isinstance(ratio, list):  # R5 makes it a list; R4 a single Ratio
        if len(ratio) != 1:
            raise unsupported(path, "with more than one ratio is not supported")
        ratio = ratio[0]
    only(ratio, {"numerator", "denominator"}, path)
    numerator = ratio.get("numerator") or {}
    most = positive_number(numerator.get("value"), f"{path}.numerator.value")
    unit = quantity_unit(numerator, f"{path}.numerator")
    denominator = ratio.get("denominator") or {}
    per = denominator.get("code") or denominator.get("unit")
    if per not in ("h", "d"):
        raise unsupported(f"{path}.denominator", f"in '{per}' is not supported")
    hours = positive_number(denominator.get("value"), f"{path}.denominator.value") * (
        24 if per == "d" else 1)
    most_in_dose_unit = most if unit.is_count and dose_unit.is_count else (
        convert(most, unit.code, dose_unit.code))
    if most_in_dose_unit is None:
        if dose_unit.is_count and not unit.is_count:
            # "4000 mg a day" of tablets: whole doses only once the tablet's strength is known
            return {MEASURED_MAX: (most, unit.code, hours)}
        raise unsupported(f"{path}.numerator", f"in '{unit.code or 'a count'}' cannot be "
                          f"converted to the dose's unit '{dose_unit.code or 'a count'}'")
    return limit_in_doses(most_in_dose_unit / amount, hours)


def limit_in_doses(doses: Decimal, hours: Decimal) -> dict[str, Any]:
    path = "Dosage.maxDosePerPeriod"
    if doses != int(doses) or hours != int(hours):
        raise unsupported(f"{path}", f"is {doses.normalize():f} doses per "
                          f"{hours.normalize():f} hours: PulseRx limits whole doses per whole "
                          "hours")
    return {"max_doses": int(doses), "limit_period_hours": int(hours)}
