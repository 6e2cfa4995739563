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

from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext_lazy

# Each unit's words are whole phrases with the number in them, so every language places the
# number and chooses the plural form by its own rules (`ngettext`).
UNITS = {
    # Translators: the amount of one dose, a count of the product's units.
    "tablet": ngettext_lazy("%(n)s tablet", "%(n)s tablets", "count"),
    "capsule": ngettext_lazy("%(n)s capsule", "%(n)s capsules", "count"),
    # Translators: millilitres of a liquid medicine (the symbol "mL").
    "liquid": ngettext_lazy("%(n)s mL", "%(n)s mL", "count"),
    "injection": ngettext_lazy("%(n)s injection", "%(n)s injections", "count"),
    # Translators: puffs of an inhaler.
    "inhaler": ngettext_lazy("%(n)s puff", "%(n)s puffs", "count"),
    "drops": ngettext_lazy("%(n)s drop", "%(n)s drops", "count"),
    # Translators: a skin patch.
    "patch": ngettext_lazy("%(n)s patch", "%(n)s patches", "count"),
}
# A measured dose unit (UCUM code) -> its words.
MEASURED = {
    "ug": ngettext_lazy("%(n)s microgram", "%(n)s micrograms", "count"),
    # Translators: milligrams (the symbol "mg").
    "mg": ngettext_lazy("%(n)s mg", "%(n)s mg", "count"),
    # Translators: grams (the symbol "g").
    "g": ngettext_lazy("%(n)s g", "%(n)s g", "count"),
    # Translators: millilitres (the symbol "mL").
    "mL": ngettext_lazy("%(n)s mL", "%(n)s mL", "count"),
    # Translators: litres (the symbol "L").
    "L": ngettext_lazy("%(n)s L", "%(n)s L", "count"),
    # Translators: units of a medicine measured in units (insulin, heparin…).
    "U": ngettext_lazy("%(n)s unit", "%(n)s units", "count"),
    # Translators: international units (the abbreviation "IU").
    "[iU]": ngettext_lazy("%(n)s IU", "%(n)s IU", "count"),
}


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


def plural_count(amount: Decimal) -> int:
    """The whole number that picks an amount's plural form: the amount itself when whole and
    above 1; 1 for any amount up to 1 (English writes "0.5 tablet"); for a fraction above 1,
    a number every language of the site writes with its general plural ("1.5 tablets")."""
    if amount <= 1:
        return 1
    if amount == amount.to_integral_value():
        return int(amount)
    return 100


def _words(amount: Decimal, words: Promise | None, unit: str = "") -> str:
    """`words`: a known unit's phrases (`ngettext_lazy`, counted by "count"); else the bare
    `unit` code after the number."""
    number = quantity_text(amount)
    if words is None:
        return f"{number} {unit}"
    return str(words % {"n": number, "count": plural_count(amount)})


def amount_text(amount: Decimal, measure: Measure | str) -> str:
    """"1 tablet", "2 tablets", "0.5 tablet", "5 mL", "75 micrograms", "3 tablets (6 mg)" —
    or just the number for a product of another form. `measure` may be a bare form."""
    if isinstance(measure, str):
        measure = Measure(measure)
    if not measure.counts_product:
        return _words(amount, MEASURED.get(measure.unit), measure.unit)
    units = UNITS.get(measure.form)
    text = quantity_text(amount) if units is None else _words(amount, units)
    if measure.strength is not None and measure.strength_unit:
        strength = _words(amount * measure.strength, MEASURED.get(measure.strength_unit),
                          measure.strength_unit)
        # Translators: a count of the product and what it weighs in all: "3 tablets (6 mg)".
        text = gettext("%(amount)s (%(strength)s)") % {"amount": text, "strength": strength}
    return text
