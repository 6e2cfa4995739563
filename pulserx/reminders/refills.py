"""Refill reminders: planning them from the supply forecast.

Each refill cycle (it starts with every "Refilled") has at most one reminder per stage: `lead`
(the medication's `refill_lead_days` before running out) and `threshold` (when the count
reaches the refill threshold). A `RefillReminder` row is an outbox row like a Dose: the
dispatcher claims it when `next_action_at` comes, checks the forecast again, and delivers it.
Planning only moves reminders not yet sent; a sent one stays sent for its cycle.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

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
