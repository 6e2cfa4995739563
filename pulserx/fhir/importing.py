"""Importing FHIR medications for a patient: preview, then save all or nothing.

A document is one MedicationRequest (or MedicationStatement), or a Bundle of them (the
export is one). Every resource is mapped and checked before anything is written, and the
writes happen in one transaction, so a refused element leaves no half-import behind.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from pulserx.accounts.models import Patient
from pulserx.fhir.request_in import ImportedMedication, read_medication_resource
from pulserx.fhir.timing_in import Context, Unsupported, unsupported
from pulserx.reminders.clock import local_today, patient_zone
from pulserx.reminders.models import DayRoutine, Medication, Schedule
from pulserx.reminders.planning import replan

MAX_DOCUMENT_BYTES = 512 * 1024
MAX_RESOURCES = 50
PREVIEW_DOSES = 5
IMPORTED_TYPES = ("MedicationRequest", "MedicationStatement")


@dataclass(frozen=True)
class Preview:
    medication: ImportedMedication
    schedule: Schedule  # unsaved
    upcoming: list[datetime]


def patient_context(patient: Patient) -> Context:
    return Context(today=local_today(patient), zone=patient_zone(patient),
                   day=DayRoutine.day_of(patient))


def parse_document(text: str | bytes) -> list[Any]:
    """The resources a JSON document carries; Unsupported if it is not one we read."""
    if len(text) > MAX_DOCUMENT_BYTES:
        raise unsupported("The document", f"is larger than {MAX_DOCUMENT_BYTES // 1024} KB")
    try:
        document = json.loads(text)
    except (ValueError, UnicodeDecodeError) as error:
        raise unsupported("The document", f"is not valid JSON ({error})") from None
    if isinstance(document, dict) and document.get("resourceType") == "Bundle":
        entries = [e for e in document.get("entry") or [] if isinstance(e, dict)
                   and isinstance(e.get("resource"), dict)]
        by_url = {e.get("fullUrl"): e["resource"] for e in entries}
        resources = [with_medication_contained(e["resource"], by_url) for e in entries
                     if e["resource"].get("resourceType") in IMPORTED_TYPES]
        if not resources:
            raise unsupported("Bundle.entry", "holds no MedicationRequest")
    else:
        resources = [document]
    if len(resources) > MAX_RESOURCES:
        raise unsupported("Bundle.entry", f"with more than {MAX_RESOURCES} medications")
    return resources


def with_medication_contained(resource: dict[str, Any], by_url: dict[Any, Any]
                              ) -> dict[str, Any]:
    """A resource whose medicationReference points at another entry of the bundle (as the
    export writes it), with that Medication contained instead."""
    reference = (resource.get("medicationReference") or {}).get("reference")
    target = by_url.get(reference)
    if not isinstance(target, dict) or target.get("resourceType") != "Medication":
        return resource
    return {**resource, "contained": [{**target, "id": "med"}],
            "medicationReference": {"reference": "#med"}}


def preview(patient: Patient, text: str | bytes) -> list[Preview]:
    """What importing `text` would create, checked by the same schedule math that fires it."""
    context = patient_context(patient)
    now = timezone.now()
    previews = []
    for resource in parse_document(text):
        imported = read_resource(resource, context)
        schedule = unsaved_schedule(patient, imported)
        previews.append(Preview(imported, schedule, next_doses(schedule, now)))
    return previews


def read_resource(resource: Any, context: Context) -> ImportedMedication:
    try:
        return read_medication_resource(resource, context)
    except Unsupported:
        raise
    except (ValueError, TypeError, AttributeError, KeyError) as error:
        # Malformed values the element checks did not foresee: still a refusal, not a 500.
        raise Unsupported(f"The resource could not be read: {error}") from None


def unsaved_schedule(patient: Patient, imported: ImportedMedication) -> Schedule:
    schedule = Schedule(patient=patient, **imported.schedule)
    try:
        schedule.timetable()
    except ValueError as error:
        raise Unsupported(f"Dosage: {error}") from None
    return schedule


def next_doses(schedule: Schedule, now: datetime, count: int = PREVIEW_DOSES
               ) -> list[datetime]:
    zone = patient_zone(schedule.patient)
    timetable = schedule.timetable()
    found: list[datetime] = []
    after = now
    while len(found) < count and (at := timetable.next_after(zone, after)) is not None:
        found.append(at)
        after = at
    return found


@transaction.atomic
def import_document(patient: Patient, text: str | bytes) -> list[Medication]:
    """Create every medication the document holds, or none (raises Unsupported)."""
    created = []
    for item in preview(patient, text):
        imported = item.medication
        medication = Medication.objects.create(
            patient=patient, name=imported.name, strength=imported.strength,
            form=imported.form, instructions=imported.instructions)
        schedule = item.schedule
        schedule.medication = medication
        schedule.save()
        replan(schedule)
        created.append(medication)
    return created
