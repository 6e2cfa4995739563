"""Travel: the browser reports where the patient is; the patient chooses which clock their
reminders follow there. A reported zone never moves reminders by itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction

from pulserx.accounts.models import Patient
from pulserx.reminders.clock import patient_zone
from pulserx.reminders.models import Dose, Schedule
from pulserx.reminders.planning import replan_patient, slots_moved_past
from pulserx.reminders.schedule import TravelPolicy, clock_zone


@dataclass(frozen=True)
class ZoneReport:
    changed: bool  # the browser reports a zone it had not reported before
    ask: bool      # the patient has a choice to make (Today offers it)


def needs_choice(patient: Patient) -> bool:
    """The browser is somewhere the patient has not chosen a clock for."""
    return bool(patient.reported_timezone) and (
        patient.reported_timezone != (patient.current_timezone or patient.timezone))


@dataclass(frozen=True)
class ClockChoice:
    """What choosing `policy` where the browser is would do to the patient's doses, said
    before they choose."""

    policy: TravelPolicy
    zone: ZoneInfo
    moves: bool           # the reminder clock would change
    later_by: timedelta   # doses not yet due come this much later in real time (< 0: earlier)
    moved_past: list[Dose]  # slots that would be past on the new clock: reminded at once


def clock_choice(patient: Patient, policy: TravelPolicy, now: datetime) -> ClockChoice:
    """What `choose_clock(patient, policy)` at `now` would do: the rule is the one
    `replan(moved_from=...)` applies (`slots_moved_past`)."""
    before = patient_zone(patient)
    after = clock_zone(patient.timezone,
                       patient.reported_timezone or patient.current_timezone or None, policy)
    moves = after.key != before.key
    moved_past: list[Dose] = []
    if moves:
        for schedule in Schedule.objects.filter(patient=patient).select_related(
                "medication", "patient"):
            moved_past += slots_moved_past(schedule, before, after, now)
    offset_before, offset_after = before.utcoffset(now), after.utcoffset(now)
    assert offset_before is not None and offset_after is not None
    return ClockChoice(policy, after, moves, offset_before - offset_after,
                       sorted(moved_past, key=lambda dose: dose.due_at))


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
        replan_patient(patient.pk, moved_from=ZoneInfo(before))
    return moved
