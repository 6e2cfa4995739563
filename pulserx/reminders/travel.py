"""Travel: the browser reports where the patient is; the patient chooses which clock their
reminders follow there. A reported zone never moves reminders by itself."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from pulserx.accounts.models import Patient
from pulserx.reminders.clock import patient_zone
from pulserx.reminders.planning import replan_patient
from pulserx.reminders.schedule import TravelPolicy


@dataclass(frozen=True)
class ZoneReport:
    changed: bool  # the browser reports a zone it had not reported before
    ask: bool      # the patient has a choice to make (Today offers it)


def needs_choice(patient: Patient) -> bool:
    """The browser is somewhere the patient has not chosen a clock for."""
    return bool(patient.reported_timezone) and (
        patient.reported_timezone != (patient.current_timezone or patient.timezone))


@transaction.atomic
def report_zone(patient: Patient, zone: str) -> ZoneReport:
    """Record where the browser is. At home with nothing chosen yet there is nothing to ask."""
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    changed = patient.reported_timezone != zone
    patient.reported_timezone = zone
    fields = ["reported_timezone"]
    if not patient.current_timezone and zone == patient.timezone:
        patient.current_timezone = zone
        fields.append("current_timezone")
    patient.save(update_fields=fields)
    return ZoneReport(changed=changed, ask=needs_choice(patient))


@transaction.atomic
def choose_clock(patient: Patient, policy: TravelPolicy) -> bool:
    """The patient chose `policy` where their browser is now. Re-plans what is not yet due
    when that moves their reminder clock; returns whether it did."""
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    before = patient_zone(patient).key
    patient.current_timezone = patient.reported_timezone or patient.current_timezone
    patient.travel_policy = policy
    patient.save(update_fields=["current_timezone", "travel_policy"])
    moved = patient_zone(patient).key != before
    if moved:
        replan_patient(patient.pk)
    return moved
