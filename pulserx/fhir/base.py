"""What every part of the FHIR mapping shares: the refusal, the patient's context."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from pulserx.reminders.anchors import PatientDay

Json = dict[str, Any]
PULSERX_EXT = "https://pulserx.org/fhir/StructureDefinition/"


class Unsupported(ValueError):
    """A FHIR element PulseRx cannot represent; the message names it."""


def unsupported(element: str, why: str = "is not supported") -> Unsupported:
    return Unsupported(f"{element} {why}")


@dataclass
class Context:
    """What the mapping needs to know about the patient."""

    today: date
    zone: ZoneInfo
    day: PatientDay = field(default_factory=PatientDay)
