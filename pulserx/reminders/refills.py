"""Refill reminders: planning them from the supply forecast.

Each refill cycle (it starts with every "Refilled") has at most one reminder per stage: `lead`
(the medication's `refill_lead_days` before running out) and `threshold` (when the count
reaches the refill threshold). A `RefillReminder` row is an outbox row like a Dose: the
dispatcher claims it when `next_action_at` comes, checks the forecast again, and delivers it.
Planning only moves reminders not yet sent; a sent one stays sent for its cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from django.db import transaction

from pulserx.reminders.clock import quiet_ends_at
from pulserx.reminders.models import Medication, RefillReminder, RefillStage
from pulserx.reminders.supply import Forecast, forecast


def stage_due(stage: RefillStage, supply: Forecast) -> datetime | None:
    """When a stage's reminder is due for this forecast (None: not within the horizon)."""
    if stage == RefillStage.LEAD:
        return supply.lead_at
    return supply.threshold_at


@transaction.atomic
def plan_refill_reminders(medication: Medication, now: datetime) -> None:
    """Arm, move or disarm the current cycle's unsent refill reminders; drop earlier
    cycles' unsent ones (a refill made them pointless)."""
    unsent = RefillReminder.objects.filter(medication=medication, sent_at__isnull=True)
    unsent.exclude(cycle=medication.refill_cycle).delete()
    supply = forecast(medication, now)
    sent = set(RefillReminder.objects.filter(
        medication=medication, cycle=medication.refill_cycle, sent_at__isnull=False)
        .values_list("stage", flat=True))
    for stage in RefillStage:
        if stage in sent:
            continue
        due = stage_due(stage, supply) if supply is not None else None
        if due is None:
            unsent.filter(cycle=medication.refill_cycle, stage=stage).delete()
            continue
        RefillReminder.objects.update_or_create(
            medication=medication, cycle=medication.refill_cycle, stage=stage,
            defaults={"patient_id": medication.patient_id, "due_at": due,
                      "runs_out_at": supply.runs_out_at if supply else None,
                      "next_action_at": due, "lease_until": None, "claim_token": ""})


def replan_refills(medication_id: int, now: datetime) -> None:
    """A dose of the medication was recorded: its supply forecast moved."""
    medication = (Medication.objects.select_related("schedule", "patient")
                  .filter(pk=medication_id).first())
    if medication is not None:
        plan_refill_reminders(medication, now)


class RefillAction(StrEnum):
    DELIVER = "deliver"
    REARM = "rearm"    # not yet: look again at `at` (the forecast moved, or quiet hours)
    DROP = "drop"      # pointless now: sent already, refilled, paused, no count kept


@dataclass(frozen=True)
class RefillDecision:
    action: RefillAction
    at: datetime | None = None
    now_sent: bool = False  # dropped because another stage went out in its place


# A forecast that moved by less than this still delivers (the claim itself takes time).
ON_TIME = timedelta(minutes=1)


def decide_refill(reminder: RefillReminder, now: datetime) -> RefillDecision:
    """What a claimed refill reminder needs at `now`, with the forecast checked again (doses
    skipped or missed since it was planned leave more stock, so it may be due later)."""
    medication = reminder.medication
    if reminder.sent_at is not None or reminder.cycle != medication.refill_cycle:
        return RefillDecision(RefillAction.DROP)
    supply = forecast(medication, now)
    due = stage_due(RefillStage(reminder.stage), supply) if supply is not None else None
    if due is None:
        return RefillDecision(RefillAction.DROP)
    if due > now + ON_TIME:
        return RefillDecision(RefillAction.REARM, due)
    quiet_end = quiet_ends_at(medication.patient, now)
    if quiet_end is not None:
        return RefillDecision(RefillAction.REARM, quiet_end)
    return RefillDecision(RefillAction.DELIVER)
