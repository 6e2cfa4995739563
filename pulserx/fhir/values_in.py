"""Reading FHIR values in: objects with known keys, positive numbers, quantities' units,
periods in minutes. Pure and stdlib-only; every refusal names the element."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from pulserx.fhir.base import Json, unsupported
from pulserx.fhir.units import DoseUnit, read_unit

UNIT_MINUTES = {"min": 1, "h": 60, "d": 24 * 60, "wk": 7 * 24 * 60}


def only(element: Json, allowed: set[str], path: str) -> None:
    if not isinstance(element, dict):
        raise unsupported(path, "must be a JSON object")
    for key in element:
        if key not in allowed:
            raise unsupported(f"{path}.{key}")


def positive_number(value: Any, path: str) -> Decimal:
    """A JSON number above 0 (FHIR decimal); a string, boolean or null is refused."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise unsupported(path, f"must be a number (got {json.dumps(value)[:40]})")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise unsupported(path, "must be a number") from None
    if not number.is_finite() or number <= 0:
        raise unsupported(path, f"must be a number above 0 (got {value})")
    return number


def quantity_unit(quantity: Json, path: str) -> DoseUnit:
    unit = read_unit(quantity)
    if unit is None:
        written = quantity.get("code") or quantity.get("unit")
        raise unsupported(path, f"in '{written}' is not a unit PulseRx can remind in (a "
                          "count of the product, or mg, ug, g, mL, L, U, [iU])")
    return unit


def period_minutes(repeat: Json, key: str = "period") -> int | None:
    if key not in repeat:
        return None
    unit = repeat.get("periodUnit")
    if unit not in UNIT_MINUTES:
        raise unsupported("Timing.repeat.periodUnit", f"'{unit}' is not supported")
    minutes = positive_number(repeat[key], f"Timing.repeat.{key}") * UNIT_MINUTES[unit]
    if minutes != int(minutes):
        raise unsupported(f"Timing.repeat.{key}", "must be a whole number of minutes")
    return int(minutes)
