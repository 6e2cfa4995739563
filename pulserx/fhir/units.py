"""The unit of a FHIR dose quantity: a count of the product (tablets, capsules, puffs…) or a
measured amount in UCUM (mg, ug, g, mL, U, [iU], [drp]).

Pure and stdlib-only. A unit read here is never guessed: what is neither a known count nor a
known UCUM unit is refused by the caller, naming the element.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

UCUM = "http://unitsofmeasure.org"
ORDERABLE_FORM = "http://terminology.hl7.org/CodeSystem/v3-orderableDrugForm"

# A count of the product, by code or unit text (lower case), and the PulseRx form it implies
# ("" when any form is counted so: "ea", "1").
COUNTS = {
    "tab": "tablet", "tablet": "tablet", "tablets": "tablet", "{tbl}": "tablet",
    "{tablet}": "tablet", "{tablets}": "tablet", "385055001": "tablet", "vagtab": "tablet",
    "cap": "capsule", "capsule": "capsule", "capsules": "capsule", "{capsule}": "capsule",
    "{capsules}": "capsule", "385049006": "capsule",
    "puff": "inhaler", "puffs": "inhaler", "{puff}": "inhaler", "actuat": "inhaler",
    "{actuat}": "inhaler", "{actuation}": "inhaler", "spray": "inhaler", "{spray}": "inhaler",
    "patch": "patch", "{patch}": "patch", "patches": "patch",
    "injection": "injection", "{injection}": "injection",
    "drop": "drops", "drops": "drops", "{drop}": "drops", "[drp]": "drops", "opdrop": "drops",
    "ea": "", "{each}": "", "1": "", "{unit}": "",
}
# Measured units: UCUM code -> (dimension, factor to the dimension's base unit).
MEASURES: dict[str, tuple[str, Decimal]] = {
    "ug": ("mass", Decimal("0.001")), "mg": ("mass", Decimal(1)), "g": ("mass", Decimal(1000)),
    "mL": ("volume", Decimal(1)), "L": ("volume", Decimal(1000)),
    "U": ("units", Decimal(1)), "[iU]": ("international units", Decimal(1)),
}
# What people and systems write for those codes.
ALIASES = {"mcg": "ug", "µg": "ug", "microgram": "ug", "micrograms": "ug", "ml": "mL",
           "milligram": "mg", "milligrams": "mg", "gram": "g", "grams": "g",
           "unit": "U", "units": "U", "u": "U", "unt": "U", "iu": "[iU]", "[iu]": "[iU]"}
# How an amount in a measured unit reads: (one, many).
WORDS = {"ug": ("microgram", "micrograms"), "mg": ("mg", "mg"), "g": ("g", "g"),
         "mL": ("mL", "mL"), "L": ("L", "L"), "U": ("unit", "units"),
         "[iU]": ("IU", "IU")}


@dataclass(frozen=True)
class DoseUnit:
    """Either a count of the product (`code` "", `form` the form it implies, if any) or a
    measured UCUM unit (`code` "mg", "mL"…)."""

    code: str
    form: str = ""

    @property
    def is_count(self) -> bool:
        return self.code == ""


def read_unit(quantity: dict[str, Any]) -> DoseUnit | None:
    """The unit of a FHIR Quantity; a Quantity without any unit is a count. None when the unit
    is not one PulseRx knows."""
    written = [str(quantity[k]) for k in ("code", "unit") if quantity.get(k) not in (None, "")]
    if not written:
        return DoseUnit("")
    for text in written:
        code = ALIASES.get(text.lower(), text) if text not in MEASURES else text
        if code in MEASURES:
            return DoseUnit(code)
        if text.lower() in COUNTS:
            return DoseUnit("", COUNTS[text.lower()])
    return None


def convert(value: Decimal, unit: str, to: str) -> Decimal | None:
    """`value` `unit` in `to`, or None when the two are not the same dimension."""
    if unit == to:
        return value
    if unit not in MEASURES or to not in MEASURES:
        return None
    (dimension, factor), (other, to_factor) = MEASURES[unit], MEASURES[to]
    if dimension != other:
        return None
    return value * factor / to_factor


def unit_words(amount: Decimal, code: str) -> str:
    """The words after a measured amount: "75 micrograms", "10 mL", "1 unit"."""
    one, many = WORDS.get(code, (code, code))
    return one if amount == 1 else many
