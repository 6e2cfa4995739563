"""How much of a medication one dose is, in words: "1 tablet", "2 tablets", "5 mL",
"75 micrograms", "3 tablets (6 mg)".

The one formatter of an amount: pages, every notification channel, the CSV and the calendar
feed use it, so a dose reads the same everywhere. A medication's amounts count its product
(its form's unit) unless it has a measured dose unit (see `Measure`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

# form -> (one, many); a form not listed ("other") shows the bare number.
UNITS = {
    "tablet": ("tablet", "tablets"), "capsule": ("capsule", "capsules"), "liquid": ("mL", "mL"),
    "injection": ("injection", "injections"), "inhaler": ("puff", "puffs"),
    "drops": ("drop", "drops"), "patch": ("patch", "patches"),
}
# A measured dose unit (UCUM code) -> (one, many).
MEASURED = {"ug": ("microgram", "micrograms"), "mg": ("mg", "mg"), "g": ("g", "g"),
            "mL": ("mL", "mL"), "L": ("L", "L"), "U": ("unit", "units"), "[iU]": ("IU", "IU")}


@dataclass(frozen=True)
class Measure:
    """What a medication's amounts count. `unit` "" : the product itself, in its form's unit
    (tablets, capsules, ml of a liquid…); else a measured UCUM unit (mg, ug, mL, U…) that
    could not be turned into whole product units. `strength` + `strength_unit`: one product
    unit's exact strength when known, shown beside a count ("3 tablets (6 mg)")."""

    form: str
    unit: str = ""
    strength: Decimal | None = None
    strength_unit: str = ""

    @property
    def counts_product(self) -> bool:
        return self.unit == ""


class Measured(Protocol):
    """A medication, saved or about to be imported: what its amounts count."""

    @property
    def measure(self) -> Measure: ...


def quantity_text(value: Decimal) -> str:
    """A number without trailing zeros: 9, 12.5, 0.25."""
    return f"{value.normalize():f}"


def _words(amount: Decimal, one_many: tuple[str, str]) -> str:
    return f"{quantity_text(amount)} {one_many[0] if amount <= 1 else one_many[1]}"


def amount_text(amount: Decimal, measure: Measure | str) -> str:
    """"1 tablet", "2 tablets", "0.5 tablet", "5 mL", "75 micrograms", "3 tablets (6 mg)" —
    or just the number for a product of another form. `measure` may be a bare form."""
    if isinstance(measure, str):
        measure = Measure(measure)
    if not measure.counts_product:
        return _words(amount, MEASURED.get(measure.unit, (measure.unit, measure.unit)))
    units = UNITS.get(measure.form)
    text = quantity_text(amount) if units is None else _words(amount, units)
    if measure.strength is not None and measure.strength_unit:
        unit = MEASURED.get(measure.strength_unit, (measure.strength_unit,) * 2)
        text += f" ({_words(amount * measure.strength, unit)})"
    return text
