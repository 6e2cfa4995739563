"""A prescribed dose amount in: kept in its own unit, or turned into product units when that
is exact.

"6 mg" of a Medication whose ingredient strength is 2 mg per tablet becomes 3 tablets, shown
"3 tablets (6 mg)"; "100 mg" of a 25 mg/mL liquid becomes 4 mL. Without a known strength in
the same dimension, or when the result is not whole (a tablet) or not within two decimals (mL
of a liquid), the amount stays "6 mg": reminded and recorded so, and not counted off the
stock. Pure (but for gettext).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from pulserx.fhir.as_needed_in import MEASURED_MAX, add_limit, limit_in_doses
from pulserx.fhir.base import Json, unsupported
from pulserx.fhir.timing_in import DosageFields
from pulserx.fhir.units import DoseUnit, convert, read_unit

MAX_AMOUNT = Decimal(10000)


@dataclass(frozen=True)
class Strength:
    """One product unit's exact strength: `value` `unit` per tablet (or per mL of a
    liquid when `per_ml`)."""

    value: Decimal
    unit: str
    per_ml: bool = False


@dataclass(frozen=True)
class DoseMeasure:
    form: str
    unit: str  # "" : product units
    strength: Strength | None  # shown beside a converted count


def ingredient_strength(ingredient: Json) -> Strength | None:
    """The strength of one ingredient per product unit, if its Ratio says it exactly."""
    ratio = ingredient.get("strength") or {}
    numerator, denominator = ratio.get("numerator") or {}, ratio.get("denominator") or {}
    value, per = numerator.get("value"), denominator.get("value", 1)
    unit, per_unit = read_unit(numerator), read_unit(denominator)
    if not all(isinstance(v, int | float) and not isinstance(v, bool) and v > 0
               for v in (value, per)) or unit is None or unit.is_count or per_unit is None:
        return None
    amount = Decimal(str(value)) / Decimal(str(per))
    if per_unit.code == "mL":
        return Strength(amount, unit.code, per_ml=True)
    return Strength(amount, unit.code) if per_unit.is_count else None


def dose_measure(schedule: dict[str, Any], parts: list[DosageFields], form: str,
                 strength: Strength | None, path: str) -> DoseMeasure:
    """The unit the schedule's amounts are in, converting them (in place) to product units
    when that is exact."""
    measure = _measure(schedule, parts, form, strength, path)
    if MEASURED_MAX in schedule:
        _measured_max(schedule, schedule.pop(MEASURED_MAX), measure)
    return measure


def _measured_max(schedule: dict[str, Any], limit: tuple[Decimal, str, Decimal],
                  measure: DoseMeasure) -> None:
    """"At most 4000 mg per 24 h" of 1-tablet doses of 500 mg tablets: 8 doses."""
    most, unit, hours = limit
    strength = measure.strength
    in_strength = convert(most, unit, strength.unit) if strength and not strength.per_ml \
        else None
    if strength is None or in_strength is None:
        # Translators: %(element)s is a FHIR element path, kept as written; %(unit)s a UCUM
        # unit code ("mg"), kept as written.
        raise unsupported(_("%(element)s in '%(unit)s' cannot be converted to the dose's unit "
                            "(a count of the product): the product's strength is not given"),
                          element="Dosage.maxDosePerPeriod.numerator", unit=unit)
    add_limit(schedule, limit_in_doses(
        in_strength / strength.value / Decimal(schedule["dose_amount"]), hours))


def _measure(schedule: dict[str, Any], parts: list[DosageFields], form: str,
             strength: Strength | None, path: str) -> DoseMeasure:
    units = {part.unit.code for part in parts}
    if len(units) > 1:
        # Translators: a unit among others in a list of UCUM codes ("a count, mg"): a dose
        # counted in the product (tablets, capsules…).
        count = pgettext("dose unit", "a count")
        # Translators: %(element)s is a FHIR element path, kept as written; %(units)s lists
        # the units the document gives ("a count, mg").
        raise unsupported(_("%(element)s gives amounts in different units (%(units)s): one "
                            "medication is reminded in one unit"), element=path,
                          units=", ".join(sorted(u or count for u in units)))
    unit = parts[0].unit
    form = _form(form, unit, path)
    if unit.code == "mL" and form in ("other", "liquid"):
        return DoseMeasure("liquid", "", strength if strength and strength.per_ml else None)
    if unit.is_count:
        return DoseMeasure(form, "", strength if strength and not strength.per_ml
                           and MEASURED_MAX in schedule else None)
    if strength is not None and (strength.per_ml == (form in ("liquid", "other"))):
        per_product = convert(Decimal(1), unit.code, strength.unit)
        if per_product is not None:
            factor = per_product / strength.value
            if _scale(schedule, factor, whole=not strength.per_ml):
                return DoseMeasure("liquid" if strength.per_ml else form, "", strength)
    return DoseMeasure(form, unit.code, None)


def _form(form: str, unit: DoseUnit, path: str) -> str:
    """The medication's form: as the Medication says, else as the dose counts it."""
    if form not in ("", "other") and unit.form and form != unit.form:
        # Translators: %(element)s is a FHIR element path, kept as written; %(counted)s and
        # %(form)s are PulseRx's codes of medication forms ("tablet", "capsule").
        raise unsupported(_("%(element)s counts a %(counted)s form but the medication is a "
                            "%(form)s"), element=path, counted=unit.form, form=form)
    return unit.form if form in ("", "other") and unit.form else form or "other"


def _scale(schedule: dict[str, Any], factor: Decimal, whole: bool) -> bool:
    """Multiply every amount by `factor` if each result is exact (whole, or two decimals);
    else leave the schedule alone and say False."""
    entries = [*schedule.get("times", []),
               *(t for phase in schedule.get("phases") or [] for t in phase["times"])]
    amounts = [Decimal(str(e["amount"])) for e in entries]
    if "dose_amount" in schedule:
        amounts.append(Decimal(schedule["dose_amount"]))
    scaled = [a * factor for a in amounts]
    step = Decimal(1) if whole else Decimal("0.01")
    if any(s != s.quantize(step) or not 0 < s < MAX_AMOUNT for s in scaled):
        return False
    for entry in entries:
        entry["amount"] = f"{(Decimal(str(entry['amount'])) * factor).normalize():f}"
    if "dose_amount" in schedule:
        schedule["dose_amount"] = (Decimal(schedule["dose_amount"]) * factor).normalize()
    return True
