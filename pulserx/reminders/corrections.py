"""Correcting a recorded dose, and recording an upcoming dose before its time.

A wrong tap is put right here: a dose recorded taken or skipped can be corrected for
`CORRECTION_WINDOW` after it was recorded, to taken (at a stated time), skipped, or not
recorded after all. The dose row then says what is true now; a `DoseCorrection` keeps what it
said before and who corrected it. An upcoming dose (due within `EARLY_WINDOW`) can be taken
early or skipped ahead: it is recorded at once, so the dispatcher never reminds it on any
channel.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pulserx.accounts.models import User
from pulserx.reminders.actions import DoseActionError, _publish_dose, record_dose
from pulserx.reminders.clock import patient_zone
from pulserx.reminders.models import (
    Dose,
    DoseCorrection,
    DoseStatus,
    Medication,
    Schedule,
    StockEvent,
    StockEventKind,
)
from pulserx.reminders.planning import doses_between
from pulserx.reminders.refills import replan_refills
from pulserx.reminders.schedule import Recurrence
from pulserx.reminders.stock import take_for_dose

CORRECTION_WINDOW = timedelta(hours=48)
EARLY_WINDOW = timedelta(hours=24)
_TICK = timedelta(microseconds=1)


class Correction(StrEnum):
    """What a recorded dose can be corrected to, by the word every surface uses."""

    TAKEN = "taken"
    SKIPPED = "skipped"
    NOT_RECORDED = "not_recorded"  # neither: the tap was a mistake


def can_correct(dose: Dose, now: datetime) -> bool:
    """A dose a person recorded taken or skipped, recorded within the correction window
    (as-needed doses are recorded afresh instead; a test reminder has nothing to correct)."""
    return (dose.status in (DoseStatus.TAKEN, DoseStatus.SKIPPED) and not dose.is_test
            and dose.acted_at is not None and now - dose.acted_at <= CORRECTION_WINDOW
            and dose.schedule is not None
            and dose.schedule.recurrence != Recurrence.AS_NEEDED)


def can_record_early(dose: Dose, now: datetime) -> bool:
    """An upcoming dose near enough to be taken early or skipped ahead."""
    return (dose.status == DoseStatus.SCHEDULED and not dose.is_test
            and now < dose.due_at <= now + EARLY_WINDOW)


@transaction.atomic
def correct_dose(dose_id: int, to: Correction, by: User, now: datetime | None = None,
                 taken_at: datetime | None = None) -> Dose:
    """Correct a recorded dose to `to` (taken at `taken_at`, default the time it was
    recorded, or now). Raises DoseActionError when it cannot be corrected."""
    now = now or timezone.now()
    dose = Dose.objects.select_for_update().select_related("patient").get(pk=dose_id)
    if not can_correct(dose, now):
        raise DoseActionError(_("Only a dose recorded taken or skipped in the last "
                                "%(hours)s hours can be corrected.")
                              % {"hours": CORRECTION_WINDOW.days * 24})
    before_status, before_at = DoseStatus(dose.status), dose.acted_at
    if to == Correction.TAKEN:
        taken_at = taken_at or (before_at if before_status == DoseStatus.TAKEN else None) or now
        if taken_at > now or taken_at < dose.due_at - EARLY_WINDOW:
            raise DoseActionError(_("Say a time between the dose's time (or up to a day "
                                    "before it) and now."))
    if to == Correction.TAKEN and before_status == DoseStatus.TAKEN and taken_at == before_at:
        raise DoseActionError(_("The dose is already recorded taken at that time."))
    if to == Correction.SKIPPED and before_status == DoseStatus.SKIPPED:
        raise DoseActionError(_("The dose is already recorded skipped."))
    _apply(dose, to, now, taken_at)
    DoseCorrection.objects.create(dose=dose, from_status=before_status,
                                  from_acted_at=before_at, to_status=dose.status,
                                  to_acted_at=dose.acted_at, by=by, at=now)
    _count_stock(dose, before_status, by, now)
    _publish_dose(dose)
    return dose


def _apply(dose: Dose, to: Correction, now: datetime, taken_at: datetime | None) -> None:
    fields = ["status", "acted_at", "next_action_at", "lease_until", "claim_token"]
    dose.lease_until, dose.claim_token = None, ""
    if to == Correction.TAKEN:
        dose.status, dose.acted_at, dose.next_action_at = DoseStatus.TAKEN, taken_at, None
    elif to == Correction.SKIPPED:
        dose.status, dose.acted_at, dose.next_action_at = DoseStatus.SKIPPED, now, None
    else:
        dose.status, dose.next_action_at = reopened(dose, now)
        dose.acted_at = None
    dose.save(update_fields=fields)


def reopened(dose: Dose, now: datetime) -> tuple[DoseStatus, datetime | None]:
    """A dose no longer recorded is what it would be had nobody recorded it: upcoming (its
    reminder armed again), due until its missed deadline, or missed."""
    if dose.due_at > now and dose.alerts_sent == 0:
        return DoseStatus.SCHEDULED, dose.due_at
    deadline = (dose.reminded_at or dose.due_at) + timedelta(
        minutes=dose.patient.missed_after_minutes)
    if deadline > now:
        return DoseStatus.NOTIFIED, deadline
    return DoseStatus.MISSED, None


def _count_stock(dose: Dose, before: DoseStatus, by: User, now: datetime) -> None:
    """A dose no longer taken gives back what its taking counted out; one now taken counts
    it out. Both are stock events, so the count can still be explained."""
    if dose.medication_id is None or (before == DoseStatus.TAKEN) == (
            dose.status == DoseStatus.TAKEN):
        return
    if dose.status == DoseStatus.TAKEN:
        take_for_dose(dose, by, now)
    else:
        taken = sum((-event.change for event in StockEvent.objects.filter(
            dose=dose, kind=StockEventKind.TAKEN)), start=0)
        returned = sum((event.change for event in StockEvent.objects.filter(
            dose=dose, kind=StockEventKind.CORRECTED)), start=0)
        back = taken - returned
        medication = Medication.objects.select_for_update().filter(
            pk=dose.medication_id, stock__isnull=False).first()
        if back > 0 and medication is not None and medication.stock is not None:
            medication.stock += back
            Medication.objects.filter(pk=medication.pk).update(stock=medication.stock)
            StockEvent.objects.create(medication=medication, kind=StockEventKind.CORRECTED,
                                      change=back, stock_after=medication.stock, dose=dose,
                                      at=now, by=by)
    replan_refills(dose.medication_id, now)


@transaction.atomic
def record_upcoming(schedule: Schedule, due_at: datetime, status: DoseStatus, by: User,
                    now: datetime | None = None) -> Dose:
    """Take early or skip ahead the dose of `schedule` due at `due_at` (within the early
    window). Its row is written now if the dispatcher has not yet, then recorded: with no
    next action left, it is never reminded on any channel."""
    now = now or timezone.now()
    if not now < due_at <= now + EARLY_WINDOW:
        raise DoseActionError(_("Only a dose due in the next 24 hours can be taken early or "
                                "skipped ahead."))
    dose = Dose.objects.filter(schedule=schedule, due_at=due_at).first()
    if dose is None:
        planned = [d for d in doses_between(schedule, patient_zone(schedule.patient),
                                            due_at - _TICK, due_at) if d.due_at == due_at]
        if not planned:
            raise DoseActionError(_("No dose of this medication is planned at that time."))
        try:
            with transaction.atomic():
                planned[0].save()
        except IntegrityError:  # the dispatcher wrote it meanwhile
            pass
        dose = Dose.objects.get(schedule=schedule, due_at=due_at)
    if not can_record_early(dose, now):
        raise DoseActionError(already_marked(DoseStatus(dose.status)))
    return record_dose(dose.pk, status, by, now)


def already_marked(status: DoseStatus) -> str:
    """"This dose is already marked taken." as a whole sentence for each status."""
    return {
        DoseStatus.SCHEDULED: _("This dose is already marked upcoming."),
        DoseStatus.NOTIFIED: _("This dose is already marked due."),
        DoseStatus.TAKEN: _("This dose is already marked taken."),
        DoseStatus.SKIPPED: _("This dose is already marked skipped."),
        DoseStatus.MISSED: _("This dose is already marked missed."),
    }[status]
