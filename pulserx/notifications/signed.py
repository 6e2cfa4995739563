"""What the signed tokens of email links and push buttons have in common."""

from __future__ import annotations

from typing import Any


def is_claim(data: Any, *int_fields: str) -> bool:
    """True when a token's decoded `data` is a dict whose `int_fields` are all ints."""
    return isinstance(data, dict) and all(
        type(data.get(field)) is int for field in int_fields)
