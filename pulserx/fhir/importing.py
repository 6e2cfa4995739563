"""Importing FHIR medications for a patient: preview, then save all or nothing.

A document is one MedicationRequest (or MedicationStatement), or a Bundle of them (the
export is one). Every resource is mapped and checked before anything is written, and the
writes happen in one transaction, so a refused element leaves no half-import behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pulserx.accounts.models import Patient
from pulserx.fhir.document_in import check_shape, load_document, plain_text
from pulserx.fhir.request_in import ImportedMedication, read_medication_resource
from pulserx.fhir.timing_in import Context, Unsupported, unsupported
from pulserx.reminders.clock import local_today, patient_zone
from pulserx.reminders.models import (
    DayRoutine,
    Medication,
    MedicationLimitError,
    Schedule,
    check_room_for_medication,
)
from pulserx.reminders.planning import replan

MAX_RESOURCES = 50
PREVIEW_DOSES = 5
IMPORTED_TYPES = ("MedicationRequest", "MedicationStatement")


@dataclass(frozen=True)
class Preview:
    medication: ImportedMedication
    schedule: Schedule  # unsaved
    upcoming: list[datetime]
    # The patient's own medication of the same name and strength (re-importing an export, a
    # repeat prescription): not imported again unless the patient asks for a second one.
    already: Medication | None = None

    def is_added(self, duplicates: bool) -> bool:
        return self.already is None or duplicates


def medication_key(name: str, strength: str) -> tuple[str, str]:
    """Name and strength as a person reads them: case and spacing aside."""
    return " ".join(name.casefold().split()), " ".join(strength.casefold().split())


def held_medications(patient: Patient) -> dict[tuple[str, str], Medication]:
    return {medication_key(m.name, m.strength): m
            for m in Medication.objects.filter(patient=patient).select_related("schedule")}


def patient_context(patient: Patient, single_dose_at: time | None = None) -> Context:
    return Context(today=local_today(patient), zone=patient_zone(patient),
                   day=DayRoutine.day_of(patient), single_dose_at=single_dose_at)


def parse_document(text: str | bytes) -> list[Any]:
    """The resources a JSON document carries; Unsupported if it is not one we read."""
    document = load_document(text)
    check_shape(document)
    if isinstance(document, dict) and document.get("resourceType") == "Bundle":
        entries = [e for e in document.get("entry") or [] if isinstance(e, dict)
                   and isinstance(e.get("resource"), dict)]
        by_url = {e.get("fullUrl"): e["resource"] for e in entries}
        resources = [with_medication_contained(e["resource"], by_url) for e in entries
                     if e["resource"].get("resourceType") in IMPORTED_TYPES]
        if not resources:
            # Translators: %(element)s is a FHIR element path and %(wanted)s a FHIR resource
            # type ("MedicationRequest"), both kept as written.
            raise unsupported(_("%(element)s holds no %(wanted)s"), element="Bundle.entry",
                              wanted="MedicationRequest")
    else:
        resources = [document]
    if len(resources) > MAX_RESOURCES:
        # Translators: %(element)s is a FHIR element path, kept as written; %(most)s a number.
        raise unsupported(_("%(element)s with more than %(most)s medications"),
                          element="Bundle.entry", most=MAX_RESOURCES)
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


def preview(patient: Patient, text: str | bytes, single_dose_at: time | None = None,
            duplicates: bool = False) -> list[Preview]:
    """What importing `text` would create, checked by the same schedule math that fires it;
    `single_dose_at`: the time the patient chose for a single dose the prescription gives no
    time (NeedsTime is raised until they do); `duplicates`: add a medication the patient
    already has as a second one (else it is marked and left out)."""
    context = patient_context(patient, single_dose_at)
    now = timezone.now()
    held = held_medications(patient)
    previews = []
    for resource in parse_document(text):
        imported = read_resource(resource, context)
        schedule = unsaved_schedule(patient, imported)
        upcoming = next_doses(schedule, now)
        if not upcoming and schedule.recurrence != "as_needed":
            raise _nothing_left(schedule)
        already = held.get(medication_key(imported.name, imported.strength))
        previews.append(Preview(imported, schedule, upcoming, already))
    try:
        check_room_for_medication(
            patient, adding=sum(item.is_added(duplicates) for item in previews))
    except MedicationLimitError as full:
        raise Unsupported(str(full)) from None
    return previews


def _nothing_left(schedule: Schedule) -> Unsupported:
    """A course that is over; its last day, when it has one, as the document writes dates."""
    if schedule.end_date:
        # Translators: %(element)s is a FHIR element path, kept as written; %(date)s the last
        # day as FHIR writes dates (2015-01-20).
        return unsupported(_("%(element)s gives no dose from now on (its last day is "
                             "%(date)s): the course is over and nothing is left to remind"),
                           element="Dosage.timing", date=schedule.end_date.isoformat())
    # Translators: %(element)s is a FHIR element path, kept as written.
    return unsupported(_("%(element)s gives no dose from now on: the course is over and "
                         "nothing is left to remind"), element="Dosage.timing")


def read_resource(resource: Any, context: Context) -> ImportedMedication:
    try:
        return plain_text(read_medication_resource(resource, context))
    except Unsupported:
        raise
    except (ValueError, TypeError, AttributeError, KeyError):
        # Malformed values the element checks did not foresee: still a refusal, not a 500,
        # and no Python wording a patient could not act on.
        kind = resource.get("resourceType") if isinstance(resource, dict) else None
        if kind:
            # Translators: %(element)s is a FHIR resource type ("MedicationRequest"), kept as
            # written.
            raise unsupported(_("%(element)s has an element whose value is not of the type "
                                "FHIR R4 gives it, so it could not be read"),
                              element=kind) from None
        raise unsupported(_("The resource has an element whose value is not of the type "
                            "FHIR R4 gives it, so it could not be read")) from None


def unsaved_schedule(patient: Patient, imported: ImportedMedication) -> Schedule:
    schedule = Schedule(patient=patient, **imported.schedule)
    try:
        schedule.timetable()
    except ValueError as error:
        # Translators: %(element)s is a FHIR element name ("Dosage"), kept as written;
        # %(problem)s what is wrong with the schedule it gives.
        raise unsupported(_("%(element)s: %(problem)s"), element="Dosage",
                          problem=error) from None
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
def import_document(patient: Patient, text: str | bytes, single_dose_at: time | None = None,
                    duplicates: bool = False) -> list[Medication]:
    """Create every medication the document holds that the patient does not already have
    (all of them with `duplicates`), or none (raises Unsupported)."""
    created = []
    for item in preview(patient, text, single_dose_at, duplicates):
        if not item.is_added(duplicates):
            continue
        imported = item.medication
        medication = Medication.objects.create(
            patient=patient, name=imported.name, strength=imported.strength,
            form=imported.form, instructions=imported.instructions, paused=imported.paused,
            dose_unit=imported.dose_unit, strength_value=imported.strength_value,
            strength_unit=imported.strength_unit)
        schedule = item.schedule
        schedule.medication = medication
        schedule.save()
        replan(schedule)
        created.append(medication)
    return created
