"""What every part of the FHIR mapping shares: the refusal, the patient's context."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from pulserx.reminders.anchors import PatientDay

Json = dict[str, Any]
PULSERX_EXT = "https://pulserx.org/fhir/StructureDefinition/"


class Unsupported(ValueError):
    """A FHIR element PulseRx cannot represent; the message names it, in the language active
    where it is raised (the page's reader's; English for the API)."""


class NeedsTime(Unsupported):
    """A single dose whose time the prescription does not say: the patient places it."""


def unsupported(sentence: str, **values: object) -> Unsupported:
    """The refusal `sentence`, one whole sentence already translated (`gettext` where it is
    raised, so in the active language), with its named placeholders filled by `values`: FHIR
    element paths, codes and values from the document, which stay as written.

        raise unsupported(_("%(element)s must be true or false"), element=path)
    """
    return Unsupported(sentence % values if values else sentence)


def whole_number(value: Any, path: str, least: int = 1) -> int:
    """A JSON integer of at least `least` (FHIR positiveInt / unsignedInt)."""
    if isinstance(value, bool) or not isinstance(value, int):
        # Translators: %(element)s is a FHIR element path ("Timing.repeat.frequency"), kept as
        # written; %(value)s is the value the document gives it, as written there.
        raise unsupported(_("%(element)s must be a whole number (got %(value)s)"),
                          element=path, value=json.dumps(value)[:40])
    if value < least:
        # Translators: %(element)s is a FHIR element path, kept as written; %(least)s the
        # smallest number it may be; %(value)s the number the document gives.
        raise unsupported(_("%(element)s must be %(least)s or more (got %(value)s)"),
                          element=path, least=least, value=value)
    return value


@dataclass
class Context:
    """What the mapping needs to know about the patient."""

    today: date
    zone: ZoneInfo
    day: PatientDay = field(default_factory=PatientDay)
    single_dose_at: time | None = None  # where the patient placed a single dose without time
