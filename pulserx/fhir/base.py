"""What every part of the FHIR mapping shares: the refusal, the patient's context."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any
from zoneinfo import ZoneInfo

from pulserx.reminders.anchors import PatientDay

Json = dict[str, Any]
PULSERX_EXT = "https://pulserx.org/fhir/StructureDefinition/"


class Unsupported(ValueError):
    """A FHIR element PulseRx cannot represent; the message names it."""


class NeedsTime(Unsupported):
    """A single dose whose time the prescription does not say: the patient places it."""


def unsupported(element: str, why: str = "is not supported") -> Unsupported:
    return Unsupported(f"{element} {why}")


def whole_number(value: Any, path: str, least: int = 1) -> int:
    """A JSON integer of at least `least` (FHIR positiveInt / unsignedInt)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise unsupported(path, f"must be a whole number (got {json.dumps(value)[:40]})")
    if value < least:
        raise unsupported(path, f"must be {least} or more (got {value})")
    return value


@dataclass
class Context:
    """What the mapping needs to know about the patient."""

    today: date
    zone: ZoneInfo
    day: PatientDay = field(default_factory=PatientDay)
    single_dose_at: time | None = None  # where the patient placed a single dose without time
