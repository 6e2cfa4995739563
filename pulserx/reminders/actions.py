"""What a person does to a dose or a medication. Every page, the API and the email links
go through these functions, so the rules live in one place."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext as _

from pulserx import live
from pulserx.accounts.care import caregivers_watching
from pulserx.accounts.models import Patient, User
from pulserx.reminders.given import already_words
from pulserx.reminders.models import (
    OPEN_STATUSES,
    SNOOZE_CHOICES,
    Dose,
    DoseStatus,
    IntervalFrom,
    Medication,
    RecordedVia,
)
from pulserx.reminders.planning import replan
from pulserx.reminders.refills import replan_refills
from pulserx.reminders.schedule import Recurrence
from pulserx.reminders.signals import dose_recorded
from pulserx.reminders.stock import take_for_dose

TEST_REMINDER_DELAY = timedelta(seconds=5)


def _snooze_refused() -> str:
    # Translators: %(choices)s lists numbers of minutes: "Snooze for 5, 10, 15 or 30 minutes."
    return _("Snooze for %(choices)s or %(last)s minutes.") % {
        "choices": ", ".join(map(str, SNOOZE_CHOICES[:-1])), "last": SNOOZE_CHOICES[-1]}


# Said in the reader's language when it is shown (a form's error, a refused snooze).
SNOOZE_REFUSED = lazy(_snooze_refused, str)()


class DoseActionError(Exception):
    """The dose cannot take this action (already recorded, not yet due…)."""


class AlreadyRecorded(DoseActionError):
    """Someone recorded the dose first: the message says who and when ("Already given by
    Ana at 08:05.") and `dose` is the dose as they left it."""

    def __init__(self, dose: Dose) -> None:
        super().__init__(already_words(dose))
        self.dose = dose


RECORDABLE_STATUSES = tuple(status for status in DoseStatus if status.can_record)


def snooze_minutes(value: object) -> int:
    """`value` (an int: a JSON "10" is refused) as a snooze length, or DoseActionError
    saying which lengths there are."""
    if type(value) is not int or value not in SNOOZE_CHOICES:
        raise DoseActionError(str(SNOOZE_REFUSED))
    return value


def _publish_dose(dose: Dose) -> None:
    change = live.DoseChange(
        dose_id=dose.pk, patient_id=dose.patient_id, patient_user_id=dose.patient.user_id,
        status=dose.status, is_test=dose.is_test, snoozed_until=dose.snoozed_until)
    events = live.dose_events([change], caregivers_watching({dose.patient_id}))
    transaction.on_commit(lambda: live.publish_quietly(events))


@transaction.atomic
def record_dose(dose_id: int, status: DoseStatus, by: User, now: datetime | None = None,
                via: RecordedVia = RecordedVia.PAGE) -> Dose:
    """Mark a recordable dose taken or skipped by `by` (the patient or a carer who gives),
    `via` a page, the API, an email link…; taking one lowers the medication's stock.

    The record is one guarded UPDATE (only while the dose is still recordable): of two
    people recording the same dose at once exactly one wins, and the other gets
    AlreadyRecorded naming who did and when."""
    if status not in (DoseStatus.TAKEN, DoseStatus.SKIPPED):
        raise ValueError(f"cannot record a dose as {status}")
    now = now or timezone.now()
    won = Dose.objects.filter(pk=dose_id, status__in=RECORDABLE_STATUSES).update(
        status=status, acted_at=now, acted_by=by, recorded_via=via,
        next_action_at=None, lease_until=None, claim_token="")
    dose = Dose.objects.select_related("patient__user", "acted_by").get(pk=dose_id)
    if not won:
        raise AlreadyRecorded(dose)
    if dose.medication_id is not None:
        if status == DoseStatus.TAKEN:
            take_for_dose(dose, by, now)
            count_interval_from(dose, now)
        replan_refills(dose.medication_id, now)  # taken or not, the forecast moved
    dose_recorded.send(Dose, dose=dose, at=now)  # its reminders are read now
    _publish_dose(dose)
    return dose


def count_interval_from(dose: Dose, taken_at: datetime) -> None:
    """An every-N-hours schedule counting "from when the last dose was taken" restarts its
    series at this dose: the next reminder is N hours after it, not after its planned time."""
    schedule = dose.schedule
    if schedule is None or schedule.recurrence != Recurrence.EVERY_HOURS \
            or schedule.interval_from != IntervalFrom.TAKEN:
        return
    schedule.anchor_at = taken_at
    schedule.save(update_fields=["anchor_at"])
    replan(schedule, taken_at)


@transaction.atomic
def snooze_dose(dose_id: int, minutes: int, now: datetime | None = None) -> Dose:
    """Re-arm a due dose for `minutes` later: the dispatcher reminds again then."""
    minutes = snooze_minutes(minutes)
    now = now or timezone.now()
    dose = Dose.objects.select_for_update().select_related("patient").get(pk=dose_id)
    if dose.status != DoseStatus.NOTIFIED:
        raise DoseActionError(_("Only a dose that is due can be snoozed."))
    dose.status = DoseStatus.SCHEDULED
    dose.snoozed_until = dose.next_action_at = now + timedelta(minutes=minutes)
    dose.lease_until, dose.claim_token = None, ""
    dose.save(update_fields=["status", "snoozed_until", "next_action_at", "lease_until",
                             "claim_token"])
    _publish_dose(dose)
    return dose


@transaction.atomic
def send_test_reminder(patient: Patient, now: datetime | None = None) -> Dose:
    """A dose with no medication, due in a few seconds: proof that reminders arrive.
    While one is on its way, asking again returns it rather than queueing more; one that
    was snoozed is brought forward, so the promise "in a few seconds" holds either way."""
    now = now or timezone.now()
    due_at = now + TEST_REMINDER_DELAY
    pending = (Dose.objects.select_for_update()
               .filter(patient=patient, medication__isnull=True, status=DoseStatus.SCHEDULED)
               .order_by("-pk").first())
    if pending is None:
        return Dose.objects.create(patient=patient, due_at=due_at, next_action_at=due_at,
                                   amount=Decimal(1))
    if pending.snoozed_until is not None and pending.snoozed_until > due_at:
        pending.snoozed_until = pending.next_action_at = due_at
        pending.lease_until, pending.claim_token = None, ""
        pending.save(update_fields=["snoozed_until", "next_action_at", "lease_until",
                                    "claim_token"])
    return pending


@transaction.atomic
def set_paused(medication: Medication, paused: bool) -> None:
    """Pause or resume a medication; a paused one has no pending reminder left at all."""
    medication.paused = paused
    medication.save(update_fields=["paused"])
    if paused:  # a snoozed or re-alerting dose must not ring either
        Dose.objects.filter(medication=medication, status__in=OPEN_STATUSES).update(
            next_action_at=None, lease_until=None, claim_token="")
    if hasattr(medication, "schedule"):
        replan(medication.schedule)


@transaction.atomic
def delete_medication(medication: Medication) -> None:
    """Delete a medication with its schedule and doses (history included)."""
    Medication.objects.filter(pk=medication.pk).delete()
