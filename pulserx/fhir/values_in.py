"""Reading FHIR values in: objects with known keys, positive numbers, quantities' units,
periods in minutes. Pure (but for gettext); every refusal names the element."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from pulserx.fhir.base import Json, unsupported
from pulserx.fhir.units import DoseUnit, read_unit

UNIT_MINUTES = {"min": 1, "h": 60, "d": 24 * 60, "wk": 7 * 24 * 60}


def only(element: Json, allowed: set[str], path: str) -> None:
    if not isinstance(element, dict):
        # Translators: %(element)s is a FHIR element path ("Dosage.timing"), kept as written.
        raise unsupported(_("%(element)s must be a JSON object"), element=path)
    for key in element:
        if key not in allowed:
            # Translators: %(element)s is a FHIR element path, kept as written.
            raise unsupported(_("%(element)s is not supported"), element=f"{path}.{key}")


def positive_number(value: Any, path: str) -> Decimal:
    """A JSON number above 0 (FHIR decimal); a string, boolean or null is refused."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        # Translators: %(element)s is a FHIR element path, kept as written; %(value)s the
        # value the document gives it, as written there.
        raise unsupported(_("%(element)s must be a number (got %(value)s)"),
                          element=path, value=json.dumps(value)[:40])
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        # Translators: %(element)s is a FHIR element path, kept as written.
        raise unsupported(_("%(element)s must be a number"), element=path) from None
    if not number.is_finite() or number <= 0:
        # Translators: %(element)s is a FHIR element path, kept as written; %(value)s the
        # number the document gives it.
        raise unsupported(_("%(element)s must be a number above 0 (got %(value)s)"),
                          element=path, value=value)
    return number


def quantity_unit(quantity: Json, path: str) -> DoseUnit:
    unit = read_unit(quantity)
    if unit is None:
        written = quantity.get("code") or quantity.get("unit")
        # Translators: %(element)s is a FHIR element path, kept as written; %(unit)s the unit
        # the document writes; %(units)s the UCUM unit codes PulseRx reads, kept as written.
        raise unsupported(_("%(element)s in '%(unit)s' is not a unit PulseRx can remind in "
                            "(a count of the product, or %(units)s)"),
                          element=path, unit=written, units="mg, ug, g, mL, L, U, [iU]")
    return unit


def period_minutes(repeat: Json, key: str = "period") -> int | None:
    if key not in repeat:
        return None
    unit = repeat.get("periodUnit")
    if unit not in UNIT_MINUTES:
        # Translators: %(element)s is a FHIR element path, kept as written; %(value)s the code
        # the document gives it.
        raise unsupported(_("%(element)s '%(value)s' is not supported"),
                          element="Timing.repeat.periodUnit", value=unit)
    minutes = positive_number(repeat[key], f"Timing.repeat.{key}") * UNIT_MINUTES[unit]
    if minutes != int(minutes):
        # Translators: %(element)s is a FHIR element path, kept as written.
        raise unsupported(_("%(element)s must be a whole number of minutes"),
                          element=f"Timing.repeat.{key}")
    return int(minutes)
