"""FHIR R4 ``MedicationRequest`` (or ``MedicationStatement``) in: a medication and its schedule.

Pure and stdlib-only. Several dosage instructions with different ``sequence`` numbers are a
tapering plan (phases in sequence order, each lasting its ``boundsDuration``; a last phase
without one continues); several without a sequence, or with the same one, are one schedule
whose times are merged (how the export writes doses of different amounts).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from pulserx.fhir.timing_in import (
    Context,
    DosageFields,
    Json,
    fhir_date,
    read_dosage,
    unsupported,
)

__all__ = ["ImportedMedication", "read_medication_resource"]

IMPORTABLE_STATUSES = {"active", "draft", "on-hold", "completed", "intended", "unknown"}
FORMS = {"tablet": "tablet", "tab": "tablet", "capsule": "capsule", "cap": "capsule",
         "solution": "liquid", "liquid": "liquid", "oral solution": "liquid",
         "suspension": "liquid", "injection": "injection", "inhaler": "inhaler",
         "drops": "drops", "patch": "patch"}
MAX_DOSAGES = 24


@dataclass(frozen=True)
class ImportedMedication:
    name: str
    strength: str
    form: str
    instructions: str
    schedule: dict[str, Any]  # Schedule field values


def read_medication_resource(resource: Any, context: Context) -> ImportedMedication:
    """Map a MedicationRequest or MedicationStatement; raises Unsupported naming the element."""
    if not isinstance(resource, dict):
        raise unsupported("The document", "must be a FHIR resource (a JSON object)")
    kind = resource.get("resourceType")
    if kind not in ("MedicationRequest", "MedicationStatement"):
        raise unsupported("resourceType", f"'{kind}' is not supported: send a "
                          "MedicationRequest")
    status = resource.get("status")
    if status not in IMPORTABLE_STATUSES:
        raise unsupported(f"{kind}.status", f"'{status}' cannot be imported")
    name, strength, form = _medication(resource, kind)
    key = "dosageInstruction" if kind == "MedicationRequest" else "dosage"
    dosages = resource.get(key) or []
    if not isinstance(dosages, list) or not dosages:
        raise unsupported(f"{kind}.{key}", "is required")
    if len(dosages) > MAX_DOSAGES:
        raise unsupported(f"{kind}.{key}", f"with more than {MAX_DOSAGES} entries")
    start = _start(resource, context)
    schedule, instructions = _schedule(dosages, context, start)
    return ImportedMedication(name=name[:120], strength=strength[:60], form=form,
                              instructions="; ".join(dict.fromkeys(instructions))[:240],
                              schedule=schedule)


def _start(resource: Json, context: Context) -> date | None:
    """The first day for dosages that do not give one: when the statement or prescription
    starts, if it says."""
    period = resource.get("effectivePeriod") or (
        (resource.get("dispenseRequest") or {}).get("validityPeriod")) or {}
    if period.get("start"):
        return fhir_date(period["start"], "effectivePeriod.start", context)
    return None


def _medication(resource: Json, kind: str) -> tuple[str, str, str]:
    if "medicationCodeableConcept" in resource:
        return _concept_name(resource["medicationCodeableConcept"],
                             f"{kind}.medicationCodeableConcept"), "", "tablet"
    reference = (resource.get("medicationReference") or {}).get("reference", "")
    if not reference.startswith("#"):
        raise unsupported(f"{kind}.medicationReference",
                          "must point to a contained Medication (#id)")
    contained = [c for c in resource.get("contained", [])
                 if c.get("resourceType") == "Medication" and c.get("id") == reference[1:]]
    if not contained:
        raise unsupported(f"{kind}.medicationReference", f"'{reference}' is not contained")
    return _contained_medication(contained[0])


def _concept_name(concept: Any, path: str) -> str:
    codings = (concept or {}).get("coding") or [{}]
    name = (concept or {}).get("text") or codings[0].get("display")
    if not name or not str(name).strip():
        raise unsupported(path, "has no text or display to name the medication")
    return str(name).strip()


def _contained_medication(medication: Json) -> tuple[str, str, str]:
    name = _concept_name(medication.get("code"), "Medication.code")
    strength = ""
    ingredients = medication.get("ingredient") or []
    if len(ingredients) > 1:
        raise unsupported("Medication.ingredient", "with more than one ingredient is "
                          "not supported")
    if ingredients:
        numerator = (ingredients[0].get("strength") or {}).get("numerator") or {}
        if "value" in numerator:
            value = Decimal(str(numerator["value"])).normalize()
            strength = f"{value:f} {numerator.get('unit') or numerator.get('code') or ''}"
    form_text = ""
    if medication.get("form"):
        codings = medication["form"].get("coding") or [{}]
        form_text = str(medication["form"].get("text") or codings[0].get("display") or "")
    form = FORMS.get(re.sub(r"\s+", " ", form_text.strip().lower()), "other" if form_text
                     else "tablet")
    return name, strength.strip(), form


def _schedule(dosages: list[Any], context: Context, start: date | None
              ) -> tuple[dict[str, Any], list[str]]:
    sequences = [d.get("sequence") if isinstance(d, dict) else None for d in dosages]
    if len(set(sequences)) > 1:
        return _taper(dosages, sequences, context, start)
    parts = [read_dosage(d, context, start) for d in dosages]
    instructions = [text for part in parts for text in part.instructions]
    return _merge(parts), instructions


def _merge(parts: list[DosageFields]) -> dict[str, Any]:
    """Concurrent dosages: one schedule, their times together."""
    fields = dict(parts[0].fields)
    for part in parts[1:]:
        other = {k: v for k, v in part.fields.items() if k != "times"}
        if other != {k: v for k, v in fields.items() if k != "times"} or not part.fields["times"]:
            raise unsupported("Dosage", "entries running at once must share their timing "
                              "apart from the times of day")
        fields["times"] = sorted([*fields["times"], *part.fields["times"]],
                                 key=lambda entry: entry["at"])
    ats = [entry["at"] for entry in fields["times"]]
    if len(set(ats)) != len(ats):
        raise unsupported("Timing.repeat.timeOfDay", "lists the same time twice")
    return fields


def _taper(dosages: list[Any], sequences: list[Any], context: Context, start: date | None
           ) -> tuple[dict[str, Any], list[str]]:
    """Phases in sequence order; dosages sharing a sequence number are one phase."""
    if any(not isinstance(s, int) for s in sequences):
        raise unsupported("Dosage.sequence", "must number every phase of a tapering plan")
    groups: dict[int, list[DosageFields]] = {}
    for sequence, dosage in sorted(zip(sequences, dosages, strict=True),
                                   key=lambda pair: pair[0]):
        groups.setdefault(sequence, []).append(read_dosage(dosage, context, start))
    phases, instructions = [], []
    for index, parts in enumerate(groups.values()):
        fields = _merge(parts)
        days = parts[0].days
        if fields["recurrence"] != "daily":
            raise unsupported("Dosage.sequence", "phases must be daily times of day")
        if days is None and index != len(groups) - 1:
            raise unsupported("Timing.repeat.boundsDuration", "is required on every phase "
                              "but the last")
        phases.append({"days": days or 1, "times": fields["times"]})
        instructions += [text for part in parts for text in part.instructions]
    first = next(iter(groups.values()))[0].fields["start_date"]
    schedule = {"recurrence": "taper", "times": [], "phases": phases,
                "continue_last_phase": days is None, "start_date": first, "end_date": None}
    return schedule, instructions
