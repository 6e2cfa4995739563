"""Strict readers for environment variables: a value that cannot be read is an error."""

from __future__ import annotations

import os
import re
from datetime import timedelta

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, None: 1}


def env_str(name: str, default: str) -> str:
    """A string setting; set-but-empty counts as unset (platforms that prompt for values
    may store an empty string)."""
    return os.environ.get(name, "").strip() or default


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use true/false, 1/0, yes/no)")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def parse_duration(raw: str) -> timedelta:
    """Read '90', '90s', '15m', '2h', '1d' or '250ms'; a bare number is seconds."""
    match = _DURATION.match(raw)
    if not match:
        raise ValueError(f"{raw!r} is not a duration (examples: 30s, 15m, 2h)")
    return timedelta(seconds=float(match[1]) * _UNIT_SECONDS[match[2]])


def env_duration(name: str, default: timedelta) -> timedelta:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return parse_duration(raw)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name}: {error}") from None
