"""FHIR as-needed dosages in: a minimum gap or a rolling maximum from the timing, and
``maxDosePerPeriod`` in whole doses. Pure (but for gettext), part of
:mod:`pulserx.fhir.timing_in`."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

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
            # Translators: %(element)s is a FHIR element path, kept as written.
            raise unsupported(_("%(element)s is not supported as needed"),
                              element=f"Timing.repeat.{key}")
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
        # Translators: %(element)s is a FHIR element path, kept as written.
        raise unsupported(_("%(element)s as needed needs a period to count in"),
                          element="Timing.repeat.frequency")
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
        # Translators: %(element)s and %(other)s are FHIR element paths, kept as written.
        raise unsupported(_("%(element)s over another period than %(other)s's maximum: "
                            "PulseRx keeps one rolling maximum"),
                          element="Dosage.maxDosePerPeriod", other="Timing.repeat")
    fields["max_doses"] = min(limit["max_doses"], fields.get("max_doses", limit["max_doses"]))
    fields["limit_period_hours"] = limit["limit_period_hours"]


def whole_hours(minutes: int, path: str) -> int:
    if minutes % 60:
        # Translators: %(element)s is a FHIR element path, kept as written.
        raise unsupported(_("%(element)s must be whole hours for a limit"), element=path)
    return minutes // 60


def max_per_period(ratio: Any, amount: Decimal, dose_unit: DoseUnit) -> dict[str, Any]:
    path = "Dosage.maxDosePerPeriod"
    if isinstance(ratio, list):  # R5 makes it a list; R4 a single Ratio
        if len(ratio) != 1:
            # Translators: %(element)s is a FHIR element path, kept as written.
            raise unsupported(_("%(element)s with more than one ratio is not supported"),
                              element=path)
        ratio = ratio[0]
    only(ratio, {"numerator", "denominator"}, path)
    numerator = ratio.get("numerator") or {}
    most = positive_number(numerator.get("value"), f"{path}.numerator.value")
    unit = quantity_unit(numerator, f"{path}.numerator")
    denominator = ratio.get("denominator") or {}
    per = denominator.get("code") or denominator.get("unit")
    if per not in ("h", "d"):
        # Translators: %(element)s is a FHIR element path, kept as written; %(unit)s the unit
        # code the document gives it.
        raise unsupported(_("%(element)s in '%(unit)s' is not supported"),
                          element=f"{path}.denominator", unit=per)
    hours = positive_number(denominator.get("value"), f"{path}.denominator.value") * (
        24 if per == "d" else 1)
    most_in_dose_unit = most if unit.is_count and dose_unit.is_count else (
        convert(most, unit.code, dose_unit.code))
    if most_in_dose_unit is None:
        if dose_unit.is_count and not unit.is_count:
            # "4000 mg a day" of tablets: whole doses only once the tablet's strength is known
            return {MEASURED_MAX: (most, unit.code, hours)}
        if not unit.is_count:
            # Translators: %(element)s is a FHIR element path, kept as written; %(unit)s and
            # %(dose_unit)s are UCUM unit codes ("mg", "mL"), kept as written.
            refusal = _("%(element)s in '%(unit)s' cannot be converted to the dose's unit "
                        "'%(dose_unit)s'")
        else:
            # Translators: %(element)s is a FHIR element path, kept as written; %(dose_unit)s
            # a UCUM unit code ("mg", "mL"), kept as written.
            refusal = _("%(element)s in 'a count' cannot be converted to the dose's unit "
                        "'%(dose_unit)s'")
        raise unsupported(refusal, element=f"{path}.numerator", unit=unit.code,
                          dose_unit=dose_unit.code)
    return limit_in_doses(most_in_dose_unit / amount, hours)


def limit_in_doses(doses: Decimal, hours: Decimal) -> dict[str, Any]:
    path = "Dosage.maxDosePerPeriod"
    if doses != int(doses) or hours != int(hours):
        # Translators: %(element)s is a FHIR element path, kept as written; %(doses)s and
        # %(hours)s are numbers.
        raise unsupported(_("%(element)s is %(doses)s doses per %(hours)s hours: PulseRx "
                            "limits whole doses per whole hours"), element=path,
                          doses=f"{doses.normalize():f}", hours=f"{hours.normalize():f}")
    return {"max_doses": int(doses), "limit_period_hours": int(hours)}
