"""How much of a medication one dose is, in words: "1 tablet", "2 tablets", "5 mL",
"75 micrograms", "3 tablets (6 mg)".

The one formatter of an amount: pages, every notification channel, the CSV and the calendar
feed use it, so a dose reads the same everywhere. A medication's amounts count its product
(its form's unit) unless it has a measured dose unit (see `Measure`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Protocol

from django.core.signals import setting_changed
from django.utils.formats import get_format, sanitize_separators
from django.utils.translation import get_language, gettext, ngettext

# Each unit's words are whole phrases with the number in them, so every language places the
# number and chooses the plural form by its own rules (`ngettext`). Functions rather than
# `ngettext_lazy`: each lazy plural builds a class of its own (~30 KB), which every process
# that imports this module, the worker included, would carry for good.
UNITS: dict[str, Callable[[int], str]] = {
    # Translators: the amount of one dose, a count of the product's units.
    "tablet": lambda count: ngettext("%(n)s tablet", "%(n)s tablets", count),
    "capsule": lambda count: ngettext("%(n)s capsule", "%(n)s capsules", count),
    # Translators: millilitres of a liquid medicine (the symbol "mL").
    "liquid": lambda count: ngettext("%(n)s mL", "%(n)s mL", count),
    "injection": lambda count: ngettext("%(n)s injection", "%(n)s injections", count),
    # Translators: puffs of an inhaler.
    "inhaler": lambda count: ngettext("%(n)s puff", "%(n)s puffs", count),
    "drops": lambda count: ngettext("%(n)s drop", "%(n)s drops", count),
    # Translators: a skin patch.
    "patch": lambda count: ngettext("%(n)s patch", "%(n)s patches", count),
}
# A measured dose unit (UCUM code) -> its words.
MEASURED: dict[str, Callable[[int], str]] = {
    "ug": lambda count: ngettext("%(n)s microgram", "%(n)s micrograms", count),
    # Translators: milligrams (the symbol "mg").
    "mg": lambda count: ngettext("%(n)s mg", "%(n)s mg", count),
    # Translators: grams (the symbol "g").
    "g": lambda count: ngettext("%(n)s g", "%(n)s g", count),
    # Translators: millilitres (the symbol "mL").
    "mL": lambda count: ngettext("%(n)s mL", "%(n)s mL", count),
    # Translators: litres (the symbol "L").
    "L": lambda count: ngettext("%(n)s L", "%(n)s L", count),
    # Translators: units of a medicine measured in units (insulin, heparin…).
    "U": lambda count: ngettext("%(n)s unit", "%(n)s units", count),
    # Translators: international units (the abbreviation "IU").
    "[iU]": lambda count: ngettext("%(n)s IU", "%(n)s IU", count),
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
    """A number without trailing zeros, with a decimal point, for machines (CSV values, FHIR,
    the API's numbers): 9, 12.5, 0.25."""
    return f"{value.normalize():f}"


def written_quantity(value: Decimal, separator: str | None = None) -> str:
    """The same number as a reader writes it: "0.5" in English, "0,5" in German, French,
    Spanish, Italian and Portuguese (Django's DECIMAL_SEPARATOR of the active language, the
    reader's on every page and in every message); `separator` fixes it instead."""
    text = quantity_text(value)
    return text.replace(".", separator or str(get_format("DECIMAL_SEPARATOR")))


def read_quantity(text: str) -> Decimal:
    """A number as the active reader types it, the way `written_quantity` writes it: with
    their decimal separator ("0,5" in German) or the point ("0.5"). Nothing is guessed: a
    grouping separator ("1.000" or "1.000,5" in German, "1,000" in English), a second
    separator, spaces inside, an exponent or any other character is refused (ValueError),
    since "1.000" is a thousand to one reader and one to another. Digits of any script
    (Arabic-Indic "0,5") are read as Python reads them."""
    text = text.strip()
    separator = str(get_format("DECIMAL_SEPARATOR"))
    marks = re.escape("." + separator)
    if not re.fullmatch(rf"[+-]?(?:\d+(?:[{marks}]\d+)?|[{marks}]\d+)", text):
        raise ValueError(text)
    if separator != "." and re.search(r"\.\d{3}$", text):
        # "1.000" from a reader of a decimal comma: a thousand, written with the point many
        # of them group digits with (Django's German, Italian, Portuguese, Arabic say so).
        raise ValueError(text)
    return Decimal(sanitize_separators(text))


def plural_count(amount: Decimal) -> int:
    """The whole number that picks an amount's plural form: the amount itself when whole and
    above 1; 1 for any amount up to 1 (English writes "0.5 tablet"); for a fraction above 1,
    a number every language of the site writes with its general plural ("1.5 tablets")."""
    if amount <= 1:
        return 1
    if amount == amount.to_integral_value():
        return int(amount)
    return 100


def _words(amount: Decimal, words: Callable[[int], str] | None, separator: str | None,
           unit: str = "") -> str:
    """`words`: a known unit's phrases (chosen by the plural count); else the bare `unit`
    code after the number."""
    number = written_quantity(amount, separator)
    if words is None:
        return f"{number} {unit}"
    return words(plural_count(amount)) % {"n": number}


def amount_text(amount: Decimal, measure: Measure | str, separator: str | None = None) -> str:
    """"1 tablet", "2 tablets", "0.5 tablet", "5 mL", "75 micrograms", "3 tablets (6 mg)" —
    or just the number for a product of another form. `measure` may be a bare form. Words
    for a reader, in the active language, with its decimal separator ("0,5 Tabletten");
    `separator="."` keeps the point for a column machines read."""
    if isinstance(measure, str):
        measure = Measure(measure)
    # The same few amounts are worded for every message of a burst: once per language.
    return _amount_words(amount, measure, separator, get_language())


@lru_cache(maxsize=2048)
def _amount_words(amount: Decimal, measure: Measure, separator: str | None,
                  language: str | None) -> str:
    """`amount_text` for the active language, `language` (its key in the cache). Amounts
    that are equal are written alike (`quantity_text` normalises them)."""
    if not measure.counts_product:
        return _words(amount, MEASURED.get(measure.unit), separator, measure.unit)
    units = UNITS.get(measure.form)
    text = (written_quantity(amount, separator) if units is None
            else _words(amount, units, separator))
    if measure.strength is not None and measure.strength_unit:
        strength = _words(amount * measure.strength, MEASURED.get(measure.strength_unit),
                          separator, measure.strength_unit)
        # Translators: a count of the product and what it weighs in all: "3 tablets (6 mg)".
        text = gettext("%(amount)s (%(strength)s)") % {"amount": text, "strength": strength}
    return text


def _forget_words(*, setting: str, **kwargs: object) -> None:
    """Catalogs or formats changed (only tests change them while running): word anew."""
    if setting in {"LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS", "FORMAT_MODULE_PATH",
                   "DECIMAL_SEPARATOR"}:
        _amount_words.cache_clear()


setting_changed.connect(_forget_words, dispatch_uid="pulserx-amount-words")
