"""FHIR R4 ``MedicationRequest`` (or ``MedicationStatement``) in: a medication and its schedule.

Pure (but for gettext). Several dosage instructions with different ``sequence`` numbers are a
tapering plan (phases in sequence order, each lasting its ``boundsDuration``; a last phase
without one continues); several without a sequence, or with the same one, are one schedule
whose times are merged (how the export writes doses of different amounts).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pulserx.fhir.amounts_in import Strength, dose_measure, ingredient_strength
from pulserx.fhir.base import PULSERX_EXT
from pulserx.fhir.timing_in import (
    Context,
    DosageFields,
    Json,
    fhir_date,
    read_dosage,
    unsupported,
)
from pulserx.reminders.amounts import Measure

__all__ = ["ImportedMedication", "read_medication_resource"]

# status -> imported paused? Any other status has nothing left to remind (or is not a real
# prescription yet): it is refused with the reason, one whole sentence for each.
IMPORTED_STATUSES = {"active": False, "on-hold": True}
# Each refusal one whole sentence.
REFUSED_STATUSES = {
    # Translators: %(element)s is a FHIR element path and %(value)s its code, as written.
    "completed": gettext_lazy("%(element)s '%(value)s' cannot be imported: the course is "
                              "over; only active and on-hold (imported paused) "
                              "prescriptions can become reminders"),
    # Translators: %(element)s is a FHIR element path and %(value)s its code, as written.
    "stopped": gettext_lazy("%(element)s '%(value)s' cannot be imported: it was stopped; "
                            "only active and on-hold (imported paused) prescriptions can "
                            "become reminders"),
    # Translators: %(element)s is a FHIR element path and %(value)s its code, as written.
    "cancelled": gettext_lazy("%(element)s '%(value)s' cannot be imported: it was "
                              "cancelled; only active and on-hold (imported paused) "
                              "prescriptions can become reminders"),
    # Translators: %(element)s is a FHIR element path and %(value)s its code, as written.
    "entered-in-error": gettext_lazy("%(element)s '%(value)s' cannot be imported: it was "
                                     "entered in error; only active and on-hold (imported "
                                     "paused) prescriptions can become reminders"),
    # Translators: %(element)s is a FHIR element path and %(value)s its code, as written.
    "draft": gettext_lazy("%(element)s '%(value)s' cannot be imported: it is a draft, not "
                          "yet a prescription; only active and on-hold (imported paused) "
                          "prescriptions can become reminders"),
    # Translators: %(element)s is a FHIR element path and %(value)s its code, as written.
    "unknown": gettext_lazy("%(element)s '%(value)s' cannot be imported: its state is "
                            "unknown; only active and on-hold (imported paused) prescriptions "
                            "can become reminders"),
    # Translators: %(element)s is a FHIR element path and %(value)s its code, as written.
    "intended": gettext_lazy("%(element)s '%(value)s' cannot be imported: it is only "
                             "intended, not being taken; only active and on-hold (imported "
                             "paused) prescriptions can become reminders"),
    # Translators: %(element)s is a FHIR element path and %(value)s its code, as written.
    "not-taken": gettext_lazy("%(element)s '%(value)s' cannot be imported: it says the "
                              "medication is not taken; only active and on-hold (imported "
                              "paused) prescriptions can become reminders")}
# Translators: %(element)s is a FHIR element path and %(value)s its code, as written.
UNKNOWN_STATUS = gettext_lazy("%(element)s '%(value)s' cannot be imported: is not a status "
                              "PulseRx knows; only active and on-hold (imported paused) "
                              "prescriptions can become reminders")
PULSERX_MODIFIERS = {PULSERX_EXT + name for name in ("cycle", "waking-window", "interval-from")}
ORDER_INTENTS = {"order", "plan", "original-order", "instance-order"}
ORDER_INTENTS_WRITTEN = "order, plan, original-order and instance-order"
# Each refusal one whole sentence.
REFUSED_INTENTS = {
    # Translators: %(element)s is a FHIR element path and %(value)s its code, as written;
    # %(intents)s the FHIR codes accepted ("order, plan, original-order and instance-order").
    "proposal": gettext_lazy("%(element)s '%(value)s' is a suggestion, not an order: only "
                             "%(intents)s can become reminders"),
    # Translators: %(element)s is a FHIR element path and %(value)s its code, as written;
    # %(intents)s the FHIR codes accepted ("order, plan, original-order and instance-order").
    "reflex-order": gettext_lazy("%(element)s '%(value)s' is an order triggered by another "
                                 "order's result: only %(intents)s can become reminders"),
    # Translators: %(element)s is a FHIR element path and %(value)s its code, as written;
    # %(intents)s the FHIR codes accepted ("order, plan, original-order and instance-order").
    "filler-order": gettext_lazy("%(element)s '%(value)s' is the pharmacy's record of "
                                 "filling an order: only %(intents)s can become reminders"),
    # Translators: %(element)s is a FHIR element path and %(value)s its code, as written;
    # %(intents)s the FHIR codes accepted ("order, plan, original-order and instance-order").
    "option": gettext_lazy("%(element)s '%(value)s' is one option among others, not an "
                           "order: only %(intents)s can become reminders")}
# Translators: %(element)s is a FHIR element path and %(value)s its code, as written;
# %(intents)s the FHIR codes accepted ("order, plan, original-order and instance-order").
UNKNOWN_INTENT = gettext_lazy("%(element)s '%(value)s' is not an intent PulseRx knows: only "
                              "%(intents)s can become reminders")
# Words of a dose form's text or display (SNOMED CT, EDQM, HL7) -> PulseRx form, first match.
FORM_WORDS = (("tablet", "tablet"), ("tab", "tablet"), ("capsule", "capsule"),
              ("cap", "capsule"), ("inject", "injection"), ("inhal", "inhaler"),
              ("drop", "drops"), ("patch", "patch"), ("transdermal", "patch"),
              ("solution", "liquid"), ("suspension", "liquid"), ("syrup", "liquid"),
              ("liquid", "liquid"), ("elixir", "liquid"))
MAX_DOSAGES = 24


@dataclass(frozen=True)
class ImportedMedication:
    name: str
    strength: str
    form: str
    instructions: str
    schedule: dict[str, Any]  # Schedule field values
    paused: bool = False  # on hold: imported, shown paused, no reminders until resumed
    dose_unit: str = ""  # "" : amounts count the product; else a UCUM unit
    strength_value: Decimal | None = None  # one product unit's exact strength, if known
    strength_unit: str = ""
    prescribed: str = ""  # the prescription's own words (Dosage.text), for the preview

    @property
    def measure(self) -> Measure:
        return Measure(self.form, self.dose_unit, self.strength_value, self.strength_unit)


def read_medication_resource(resource: Any, context: Context) -> ImportedMedication:
    """Map a MedicationRequest or MedicationStatement; raises Unsupported naming the element."""
    if not isinstance(resource, dict):
        raise unsupported(_("The document must be a FHIR resource (a JSON object)"))
    kind = resource.get("resourceType")
    if kind not in ("MedicationRequest", "MedicationStatement"):
        # Translators: %(element)s is a FHIR element name ("resourceType"), %(value)s the
        # resource type the document gives, %(wanted)s a FHIR resource type
        # ("MedicationRequest"), all kept as written.
        raise unsupported(_("%(element)s '%(value)s' is not supported: send a %(wanted)s"),
                          element="resourceType", value=kind, wanted="MedicationRequest")
    refuse_modifiers(resource, kind)
    paused = _status(resource, kind)
    name, strength, form, exact = _medication(resource, kind)
    key = "dosageInstruction" if kind == "MedicationRequest" else "dosage"
    dosages = resource.get(key) or []
    if not isinstance(dosages, list) or not dosages:
        # Translators: %(element)s is a FHIR element path, kept as written.
        raise unsupported(_("%(element)s is required"), element=f"{kind}.{key}")
    if len(dosages) > MAX_DOSAGES:
        # Translators: %(element)s is a FHIR element path, kept as written; %(most)s a number.
        raise unsupported(_("%(element)s with more than %(most)s entries"),
                          element=f"{kind}.{key}", most=MAX_DOSAGES)
    start = _start(resource, kind, context)
    schedule, parts = _schedule(dosages, context, start)
    measure = dose_measure(schedule, parts, form, exact,
                           f"{kind}.{key}.doseAndRate.doseQuantity")
    instructions = [text for part in parts for text in part.instructions]
    return ImportedMedication(
        name=name[:120], strength=strength[:60], form=measure.form,
        instructions="; ".join(dict.fromkeys(instructions))[:240], schedule=schedule,
        paused=paused, dose_unit=measure.unit,
        strength_value=measure.strength.value if measure.strength else None,
        strength_unit=measure.strength.unit if measure.strength else "",
        prescribed=" / ".join(str(d["text"]) for d in dosages
                              if isinstance(d, dict) and d.get("text")))


def refuse_modifiers(element: Any, path: str) -> None:
    """Refuse any modifier anywhere: a modifier extension changes the meaning of the element
    it sits on (it may say "do not"), and `implicitRules` the meaning of the whole resource;
    a reader that does not understand one must not act on the element."""
    if isinstance(element, list):
        for index, item in enumerate(element):
            refuse_modifiers(item, f"{path}[{index}]")
    elif isinstance(element, dict):
        for key, value in element.items():
            if key == "modifierExtension" and not _pulserx_dosage_modifiers(path, value):
                urls = ", ".join(str(e.get("url")) for e in value if isinstance(e, dict)) \
                    if isinstance(value, list) else ""
                if urls:
                    # Translators: %(element)s is a FHIR element path, kept as written;
                    # %(urls)s the extensions' URLs.
                    refusal = _("%(element)s (%(urls)s) is a modifier PulseRx does not "
                                "understand: it may change what the prescription means, so "
                                "it cannot be imported")
                else:
                    # Translators: %(element)s is a FHIR element path, kept as written.
                    refusal = _("%(element)s (no url) is a modifier PulseRx does not "
                                "understand: it may change what the prescription means, so "
                                "it cannot be imported")
                raise unsupported(refusal, element=f"{path}.modifierExtension", urls=urls)
            if key == "implicitRules":
                # Translators: %(element)s is a FHIR element path, kept as written.
                raise unsupported(_("%(element)s says the resource follows rules PulseRx does "
                                    "not know, so it cannot be imported"),
                                  element=f"{path}.implicitRules")
            refuse_modifiers(value, f"{path}.{key}")


def _pulserx_dosage_modifiers(path: str, value: Any) -> bool:
    """Whether `value` is PulseRx's own modifiers on a Dosage (cycle, waking window, count
    from the dose taken), which the import reads."""
    return (re.fullmatch(r"\w+\.(dosage|dosageInstruction)\[\d+\]", path) is not None
            and isinstance(value, list) and all(
                isinstance(e, dict) and e.get("url") in PULSERX_MODIFIERS for e in value))


def _status(resource: Json, kind: str) -> bool:
    """Whether the medication comes in paused; refuses what must not become reminders."""
    if kind == "MedicationRequest":
        if "doNotPerform" in resource and not isinstance(resource["doNotPerform"], bool):
            # Translators: %(element)s is a FHIR element path, kept as written.
            raise unsupported(_("%(element)s must be true or false"),
                              element="MedicationRequest.doNotPerform")
        if resource.get("doNotPerform") is True:
            # Translators: %(element)s is a FHIR element path, kept as written.
            raise unsupported(_("%(element)s is true: the prescription says NOT to give this "
                                "medication, so there is nothing to remind"),
                              element="MedicationRequest.doNotPerform")
        intent = resource.get("intent")
        if intent not in ORDER_INTENTS:
            refusal = REFUSED_INTENTS.get(str(intent), UNKNOWN_INTENT)
            raise unsupported(str(refusal), element="MedicationRequest.intent", value=intent,
                              intents=ORDER_INTENTS_WRITTEN)
    status = resource.get("status")
    if status in IMPORTED_STATUSES:
        return IMPORTED_STATUSES[str(status)]
    refusal = REFUSED_STATUSES.get(str(status), UNKNOWN_STATUS)
    raise unsupported(str(refusal), element=f"{kind}.status", value=status)


def _start(resource: Json, kind: str, context: Context) -> date | None:
    """The first dose day for dosages whose timing does not give one (boundsPeriod.start):
    a statement's effective start, a prescription's authoredOn. Never the dispensing
    window, which says when the pharmacy may fill it, not when the patient begins."""
    if kind == "MedicationStatement":
        period = resource.get("effectivePeriod") or {}
        if period.get("start"):
            return fhir_date(period["start"], f"{kind}.effectivePeriod.start", context)
        if resource.get("effectiveDateTime"):
            return fhir_date(resource["effectiveDateTime"], f"{kind}.effectiveDateTime",
                             context)
        return None
    if resource.get("authoredOn"):
        return fhir_date(resource["authoredOn"], f"{kind}.authoredOn", context)
    return None


def _medication(resource: Json, kind: str) -> tuple[str, str, str, Strength | None]:
    """Name, strength text, form ("" unknown) and one product unit's exact strength."""
    if "medicationCodeableConcept" in resource:
        return _concept_name(resource["medicationCodeableConcept"],
                             f"{kind}.medicationCodeableConcept"), "", "", None
    reference = (resource.get("medicationReference") or {}).get("reference", "")
    if not reference.startswith("#"):
        # Translators: %(element)s is a FHIR element path, kept as written.
        raise unsupported(_("%(element)s must point to a contained Medication (#id)"),
                          element=f"{kind}.medicationReference")
    contained = [c for c in resource.get("contained", [])
                 if c.get("resourceType") == "Medication" and c.get("id") == reference[1:]]
    if not contained:
        # Translators: %(element)s is a FHIR element path, kept as written; %(value)s the
        # reference the document gives it ("#med").
        raise unsupported(_("%(element)s '%(value)s' is not contained"),
                          element=f"{kind}.medicationReference", value=reference)
    return _contained_medication(contained[0])


def _concept_name(concept: Any, path: str) -> str:
    codings = (concept or {}).get("coding") or [{}]
    name = (concept or {}).get("text") or codings[0].get("display")
    if not name or not str(name).strip():
        # Translators: %(element)s is a FHIR element path, kept as written.
        raise unsupported(_("%(element)s has no text or display to name the medication"),
                          element=path)
    return str(name).strip()


def _contained_medication(medication: Json) -> tuple[str, str, str, Strength | None]:
    name = _concept_name(medication.get("code"), "Medication.code")
    strength = ""
    ingredients = medication.get("ingredient") or []
    if len(ingredients) > 1:
        # Translators: %(element)s is a FHIR element path, kept as written.
        raise unsupported(_("%(element)s with more than one ingredient is not supported"),
                          element="Medication.ingredient")
    if ingredients:
        numerator = (ingredients[0].get("strength") or {}).get("numerator") or {}
        if "value" in numerator:
            value = Decimal(str(numerator["value"])).normalize()
            strength = f"{value:f} {numerator.get('unit') or numerator.get('code') or ''}"
    form_text = ""
    if medication.get("form"):
        codings = medication["form"].get("coding") or [{}]
        form_text = str(medication["form"].get("text") or codings[0].get("display") or "")
    words = re.findall(r"[a-z]+", form_text.lower())
    form = next((form for word, form in FORM_WORDS if any(w.startswith(word) for w in words)),
                "other" if form_text else "")
    exact = ingredient_strength(ingredients[0]) if ingredients else None
    return name, strength.strip(), form, exact


def _schedule(dosages: list[Any], context: Context, start: date | None
              ) -> tuple[dict[str, Any], list[DosageFields]]:
    sequences = [d.get("sequence") if isinstance(d, dict) else None for d in dosages]
    if len(set(sequences)) > 1:
        return _taper(dosages, sequences, context, start)
    parts = [read_dosage(d, context, start) for d in dosages]
    return _merge(parts), parts


def _merge(parts: list[DosageFields]) -> dict[str, Any]:
    """Concurrent dosages: one schedule, their times together."""
    fields = dict(parts[0].fields)
    for part in parts[1:]:
        other = {k: v for k, v in part.fields.items() if k != "times"}
        if other != {k: v for k, v in fields.items() if k != "times"} or not part.fields["times"]:
            # Translators: %(element)s is a FHIR element path, kept as written.
            raise unsupported(_("%(element)s entries with the same sequence (or none) run at "
                                "the same time, and these differ in more than their times of "
                                "day (days, interval, bounds or as-needed): PulseRx keeps one "
                                "schedule per medication, so they cannot run side by side"),
                              element="Dosage")
        fields["times"] = sorted([*fields["times"], *part.fields["times"]],
                                 key=lambda entry: entry["at"])
    ats = [entry["at"] for entry in fields["times"]]
    if len(set(ats)) != len(ats):
        # Translators: %(element)s is a FHIR element path, kept as written.
        raise unsupported(_("%(element)s lists the same time twice"),
                          element="Timing.repeat.timeOfDay")
    return fields


def _taper(dosages: list[Any], sequences: list[Any], context: Context, start: date | None
           ) -> tuple[dict[str, Any], list[DosageFields]]:
    """Phases in sequence order, one after another; dosages sharing a sequence number are one
    phase. Every phase but the last ends (boundsDuration, boundsPeriod.end or count); a phase
    that gives its own start must begin the day after the one before ends."""
    if any(isinstance(s, bool) or not isinstance(s, int) for s in sequences):
        # Translators: %(element)s is a FHIR element path, kept as written.
        raise unsupported(_("%(element)s must number every dosage of a plan in phases"),
                          element="Dosage.sequence")
    groups: dict[int, list[DosageFields]] = {}
    for sequence, dosage in sorted(zip(sequences, dosages, strict=True),
                                   key=lambda pair: pair[0]):
        groups.setdefault(sequence, []).append(read_dosage(dosage, context, start))
    phases: list[dict[str, Any]] = []
    first = day = next(iter(groups.values()))[0].fields["start_date"]
    last: date | None = None
    for sequence, parts in groups.items():
        fields = _merge(parts)
        if fields["recurrence"] != "daily":
            # Translators: %(element)s is a FHIR element path, kept as written; %(sequence)s
            # the phase's sequence number.
            raise unsupported(_("%(element)s %(sequence)s: phases one after another must each "
                                "be daily times of day"),
                              element="Dosage.sequence", sequence=sequence)
        begins = parts[0].starts
        if phases and begins is not None and begins != day:
            # Translators: %(element)s is a FHIR element path, kept as written; %(sequence)s
            # the phase's sequence number; %(start)s and %(day)s are dates as FHIR writes them
            # (2026-06-10).
            raise unsupported(_("%(element)s of phase %(sequence)s is %(start)s, not %(day)s, "
                                "the day after the phase before ends: PulseRx phases follow "
                                "each other without gaps or overlaps"),
                              element="Timing.repeat.boundsPeriod.start", sequence=sequence,
                              start=begins.isoformat(), day=day.isoformat())
        days = parts[0].days
        if days is None and fields["end_date"] is not None:
            days = (fields["end_date"] - (begins or day)).days + 1
        if days is None and sequence != max(groups):
            # Translators: %(element)s is a FHIR element path, kept as written; %(sequence)s
            # the phase's sequence number; %(ends)s the FHIR elements that end a phase
            # ("boundsDuration, boundsPeriod.end or count"), kept as written.
            raise unsupported(_("%(element)s %(sequence)s is followed by another phase but "
                                "does not end (no %(ends)s): if these dosages are meant to "
                                "run at the same time, give them the same sequence"),
                              element="Dosage.sequence", sequence=sequence,
                              ends="boundsDuration, boundsPeriod.end or count")
        phases.append({"days": days or 1, "times": fields["times"]})
        if days is not None:
            day += timedelta(days=days)
            last = day - timedelta(days=1)
    schedule = {"recurrence": "taper", "times": [], "phases": phases,
                "continue_last_phase": days is None, "start_date": first, "end_date": last}
    return schedule, [part for parts in groups.values() for part in parts]
