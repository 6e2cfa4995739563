"""The Django side of schedule math: materialising doses and re-planning after a change."""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from pulserx.accounts.models import Patient
from pulserx.reminders.clock import patient_zone
from pulserx.reminders.models import Dose, DoseStatus, Schedule, TzDatabaseSeen
from pulserx.reminders.refills import plan_refill_reminders

logger = logging.getLogger("pulserx.dispatch")
_ONE_MICROSECOND = timedelta(microseconds=1)


def doses_between(schedule: Schedule, zone: ZoneInfo, after: datetime,
                  until: datetime) -> list[Dose]:
    """Unsaved doses of `schedule` due in (after, until], each with the amount of the
    scheduled time it belongs to; none when the stored plan is invalid."""
    try:
        timetable = schedule.timetable()
    except ValueError:
        return []
    doses = []
    for due in timetable.doses(zone, after, until):
        # Wall-clock kinds are slots (local day, time of day); elapsed-time kinds are instants.
        doses.append(Dose(patient_id=schedule.patient_id, schedule=schedule,
                          medication_id=schedule.medication_id, due_at=due.at,
                          next_action_at=due.at, local_day=due.day, wall_time=due.wall,
                          amount=due.amount))
    return doses


def doses_until(schedule: Schedule, horizon: datetime) -> tuple[list[Dose], datetime | None]:
    """The doses of `schedule` from its `next_due_at` up to `horizon`, and the next due time
    after them (None when the plan has no more occurrences)."""
    assert schedule.next_due_at is not None
    try:
        timetable = schedule.timetable()
    except ValueError:  # an invalid stored plan must not wedge the dispatcher: stop it
        logger.warning("schedule %s has an invalid plan and is stopped", schedule.pk)
        return [], None
    zone = patient_zone(schedule.patient)
    doses = doses_between(schedule, zone, schedule.next_due_at - _ONE_MICROSECOND, horizon)
    after = doses[-1].due_at if doses else schedule.next_due_at - _ONE_MICROSECOND
    return doses, timetable.next_after(zone, after)


def planned_doses(patient: Patient, start: datetime, end: datetime) -> list[Dose]:
    """The doses of [start, end) the dispatcher has not materialised yet (it does so minutes
    ahead), as unsaved rows for display: only the dispatcher writes Dose rows. A slot that
    already has a dose (reminded, taken… perhaps on another clock) is not planned again."""
    zone = patient_zone(patient)
    planned: list[Dose] = []
    for schedule in Schedule.objects.filter(
        patient=patient, medication__paused=False, next_due_at__lt=end
    ).select_related("medication", "patient"):
        assert schedule.next_due_at is not None
        after = max(schedule.next_due_at, start) - _ONE_MICROSECOND
        planned += doses_between(schedule, zone, after, end - _ONE_MICROSECOND)
    return unfilled(planned)


def unfilled(doses: list[Dose]) -> list[Dose]:
    """The doses among `doses` whose slot has no Dose row yet."""
    schedules = {d.schedule_id for d in doses}
    days = {d.local_day for d in doses}
    filled = set(Dose.objects.filter(schedule_id__in=schedules, local_day__in=days)
                 .values_list("schedule_id", "local_day", "wall_time"))
    return [d for d in doses if (d.schedule_id, d.local_day, d.wall_time) not in filled]


def doses_in(patient: Patient, start: datetime, end: datetime,
             statuses: Collection[str] = ()) -> list[Dose]:
    """The patient's doses due in [start, end), in due order: the stored rows (with their
    medication) and the planned times the dispatcher has not materialised yet (unsaved, no
    id; they count as scheduled). With `statuses`, only doses in those."""
    stored = list(Dose.objects.filter(patient=patient, due_at__gte=start, due_at__lt=end)
                  .select_related("medication").order_by("due_at", "pk"))
    existing = {(dose.schedule_id, dose.due_at) for dose in stored}
    doses = [dose for dose in stored if not statuses or dose.status in statuses]
    if not statuses or DoseStatus.SCHEDULED in statuses:
        doses += [dose for dose in planned_doses(patient, start, end)
                  if (dose.schedule_id, dose.due_at) not in existing]
    return sorted(doses, key=lambda dose: (dose.due_at, dose.pk or 0))


def materialise_upcoming(now: datetime, lookahead: timedelta, batch: int = 500) -> int:
    """Insert the Dose rows of every active schedule due before `now + lookahead` and move
    each schedule's `next_due_at` past them. Returns how many schedules were advanced.

    Safe to run in several workers at once: the (schedule, due_at) unique key drops
    duplicates and both writers compute the same `next_due_at`."""
    horizon = now + lookahead
    advanced = 0
    while True:
        schedules = list(
            Schedule.objects.filter(next_due_at__lte=horizon, medication__paused=False)
            .select_related("patient").order_by("next_due_at")[:batch]
        )
        if not schedules:
            return advanced
        doses: list[Dose] = []
        for schedule in schedules:
            new_doses, schedule.next_due_at = doses_until(schedule, horizon)
            doses.extend(new_doses)
        with transaction.atomic():
            Dose.objects.bulk_create(doses, ignore_conflicts=True, batch_size=1000)
            Schedule.objects.bulk_update(schedules, ["next_due_at"], batch_size=500)
        advanced += len(schedules)


@transaction.atomic
def replan(schedule: Schedule, now: datetime | None = None) -> None:
    """Apply a changed (or paused, or resumed) schedule, or a new reminder clock, at once:
    drop its doses that have not reminded anyone yet and plan again from now. Doses already
    delivered are history, and their slots stay filled: materialising skips them."""
    now = now or timezone.now()
    Dose.objects.filter(schedule=schedule, status=DoseStatus.SCHEDULED, alerts_sent=0).delete()
    schedule.next_due_at = None
    if not schedule.medication.paused:
        last_kept = schedule.doses.order_by("-due_at").values_list("due_at", flat=True).first()
        after = max(now, last_kept or now)
        schedule.next_due_at = schedule.timetable().next_after(patient_zone(schedule.patient),
                                                               after)
    schedule.save(update_fields=["next_due_at"])
    plan_refill_reminders(schedule.medication, now)


def replan_patient(patient_id: int) -> None:
    """Re-plan every schedule of a patient, e.g. after a change of time zone."""
    for schedule in Schedule.objects.filter(patient_id=patient_id).select_related(
        "patient", "medication"
    ):
        replan(schedule)


def replan_if_tz_database_changed(version: str) -> bool:
    """Re-plan every schedule when the tz database differs from the one the stored doses
    were planned with (or nobody recorded one yet); returns whether it did."""
    with transaction.atomic():
        seen = TzDatabaseSeen.objects.select_for_update().filter(pk=1).first()
        if seen is not None and seen.version == version:
            return False
        TzDatabaseSeen.objects.update_or_create(pk=1, defaults={"version": version})
        schedules = Schedule.objects.select_related("patient", "medication").order_by("pk")
        for schedule in schedules.iterator(chunk_size=500):
            replan(schedule)
    logger.info("tz database is now %s: undelivered doses planned again", version)
    return True
