"""A medication's stock, kept as events: every dose taken, refill and correction is a
`StockEvent`, so the count on the page can always be explained.

The count never goes below 0. A dose taken with too little left is still a dose taken: the
event records what was really taken from the count and that the stock was short.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from pulserx.accounts.models import User
from pulserx.reminders.models import Dose, Medication, StockEvent, StockEventKind
from pulserx.reminders.refills import plan_refill_reminders

MAX_STOCK = Decimal("999999.99")  # what the column holds
_UNCHANGED = object()


class StockError(ValueError):
    """A refill or correction that cannot be applied (no pack size, out of range…)."""


def take_for_dose(dose: Dose, by: User | None, now: datetime) -> StockEvent | None:
    """Count a taken dose out of its medication's stock (inside the caller's transaction).
    None when the medication keeps no count, or when its doses are in a measured unit (mg,
    units…) that says nothing exact about how many product units were used: the stock is then
    left as it is, never guessed down."""
    if dose.medication_id is None:
        return None
    medication = Medication.objects.select_for_update(of=("self",)).select_related(
        "patient", "schedule").filter(pk=dose.medication_id, stock__isnull=False).first()
    if medication is None or medication.stock is None or not medication.counts_stock:
        return None
    taken = min(dose.amount, medication.stock)
    medication.stock -= taken
    Medication.objects.filter(pk=medication.pk).update(stock=medication.stock)
    event = StockEvent.objects.create(
        medication=medication, kind=StockEventKind.TAKEN, change=-taken,
        stock_after=medication.stock, was_short=taken < dose.amount, dose=dose, at=now, by=by)
    return event


def stock_was_short(dose: Dose) -> bool:
    """Whether taking `dose` found the stock empty (or too low for the whole amount)."""
    return StockEvent.objects.filter(dose=dose, kind=StockEventKind.TAKEN,
                                     was_short=True).exists()


@transaction.atomic
def refill(medication_id: int, by: User | None, now: datetime,
           amount: Decimal | None = None) -> StockEvent:
    """Add a pack (or `amount`) to the stock and start a new refill cycle, so the next
    running-out is reminded again."""
    medication = Medication.objects.select_for_update(of=("self",)).select_related(
        "patient", "schedule").get(pk=medication_id)
    added = amount if amount is not None else medication.pack_size
    if added is None:
        raise StockError(_("Set the pack size first, or say how many you added."))
    if added <= 0:
        raise StockError(_("A refill adds at least some stock."))
    stock = (medication.stock or Decimal(0)) + added
    if stock > MAX_STOCK:
        raise StockError(_("The stock cannot exceed %(most)s.") % {"most": f"{MAX_STOCK:f}"})
    medication.stock, medication.refill_cycle = stock, medication.refill_cycle + 1
    Medication.objects.filter(pk=medication.pk).update(
        stock=stock, refill_cycle=medication.refill_cycle)
    event = StockEvent.objects.create(medication=medication, kind=StockEventKind.REFILLED,
                                      change=added, stock_after=stock, at=now, by=by)
    plan_refill_reminders(medication, now)
    return event


@receiver(pre_save, sender=Medication)
def _read_previous_count(sender: type[Medication], instance: Medication,
                         update_fields: frozenset[str] | None = None, **kwargs: Any) -> None:
    """A count set by hand (a form, the API, the admin) becomes a correction. The previous
    count is read from the row: the instance being saved may be stale."""
    if update_fields is not None and "stock" not in update_fields:
        instance._previous_stock = _UNCHANGED  # type: ignore[attr-defined]
        return
    previous = (Medication.objects.filter(pk=instance.pk).values_list("stock", flat=True)
                .first() if instance.pk else None)
    instance._previous_stock = previous  # type: ignore[attr-defined]


@receiver(post_save, sender=Medication)
def _keep_correction(sender: type[Medication], instance: Medication, **kwargs: Any) -> None:
    previous = getattr(instance, "_previous_stock", _UNCHANGED)
    if previous is not _UNCHANGED:
        assert previous is None or isinstance(previous, Decimal)
        record_correction(instance, previous, timezone.now())


def record_correction(medication: Medication, previous: Decimal | None,
                      now: datetime) -> StockEvent | None:
    """Keep a count set by hand as a correction (its difference from `previous`). Nothing
    when the count did not change or is not kept."""
    if medication.stock is None or medication.stock == previous:
        return None
    return StockEvent.objects.create(
        medication=medication, kind=StockEventKind.CORRECTED,
        change=medication.stock - (previous or Decimal(0)), stock_after=medication.stock, at=now)
