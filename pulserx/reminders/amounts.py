"""How much of a medication one dose is, in words: "1 tablet", "2 tablets", "5 ml".

The one formatter of an amount: pages, every notification channel and the calendar feed use
it, so a dose reads the same everywhere.
"""

from __future__ import annotations

from decimal import Decimal

# form -> (one, many); a form not listed ("other") shows the bare number.
UNITS = {
    "tablet": ("tablet", "tablets"), "capsule": ("capsule", "capsules"), "liquid": ("ml", "ml"),
    "injection": ("injection", "injections"), "inhaler": ("puff", "puffs"),
    "drops": ("drop", "drops"), "patch": ("patch", "patches"),
}


def quantity_text(value: Decimal) -> str:
    """A number without trailing zeros: 9, 12.5, 0.25."""
    return f"{value.normalize():f}"


def amount_text(amount: Decimal, form: str) -> str:
    """"1 tablet", "2 tablets", "0.5 tablet", "5 ml" — or just the number for other forms."""
    number = quantity_text(amount)
    units = UNITS.get(form)
    if units is None:
        return number
    return f"{number} {units[0] if amount <= 1 else units[1]}"
