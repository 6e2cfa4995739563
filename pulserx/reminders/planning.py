"""The Django side of schedule math: materialising doses and re-planning after a change."""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from pulserx.accounts.models import Patient
from pulserx.reminders.clock import patient_zone
from pulserx.reminders.models import Dose, DoseStatus, Schedule, TzDatabaseSeen
from pulserx.reminders.refills import plan_refill_reminders
from pulserx.reminders.schedule import to_utc

logger = logging.getLogger("pulserx.dispatch")
_ONE_MICROSECOND = timedelta(microseconds=1)
# How far a change of clock can reach back: the widest gap between two zones (UTC-12 and
# UTC+14) and a daylight-saving hour.
CLOCK_REACH = timedelta(hours=27)


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


def planned_doses(patient: Patient, start: datetime, end: datetime,
                  limit: int | None = None) -> list[Dose]:
    """The doses of [start, end) the dispatcher has not materialised yet (it does so minutes
    ahead), as unsaved rows for display, in due order: only the dispatcher writes Dose rows.
    A slot that already has a dose (reminded, taken… perhaps on another clock) is not planned
    again. With `limit`, only the first `limit` of them, and the planning stops near there:
    it walks [start, end) in windows sized from the doses found so far, so a busy account's
    month is never planned to show its first hours."""
    zone = patient_zone(patient)
    schedules = list(Schedule.objects.filter(
        patient=patient, medication__paused=False, next_due_at__lt=end
    ).select_related("medication", "patient").order_by("pk"))
    if limit is None:
        return sorted(_planned_in(schedules, zone, start, end), key=lambda dose: dose.due_at)
    planned: list[Dose] = []
    window_start, length = start, _FIRST_WINDOW
    while window_start < end and len(planned) < limit:
        window_end = min(window_start + length, end)
        planned += sorted(_planned_in(schedules, zone, window_start, window_end),
                          key=lambda dose: dose.due_at)
        length = _next_window(len(planned), limit, window_end - start, length)
        window_start = window_end
    return planned[:limit]


_FIRST_WINDOW = timedelta(hours=1)
_LEAST_WINDOW = timedelta(minutes=15)


def _next_window(found: int, limit: int, walked: timedelta, length: timedelta) -> timedelta:
    """A window that, at the rate doses were found so far, holds what is still missing."""
    if not found:
        return length * 2
    rate = found / walked.total_seconds()
    return max(timedelta(seconds=(limit - found) / rate), _LEAST_WINDOW)


def _planned_in(schedules: list[Schedule], zone: ZoneInfo, start: datetime,
                end: datetime) -> list[Dose]:
    planned: list[Dose] = []
    for schedule in schedules:
        assert schedule.next_due_at is not None
        if schedule.next_due_at >= end:
            continue
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
             statuses: Collection[str] = (), limit: int | None = None) -> list[Dose]:
    """The patient's doses due in [start, end), in due order: the stored rows (with their
    medication) and the planned times the dispatcher has not materialised yet (unsaved, no
    id; they count as scheduled). With `statuses`, only doses in those; with `limit`, only
    the first `limit` (and no more are planned or read than that)."""
    rows = Dose.objects.filter(patient=patient, due_at__gte=start, due_at__lt=end)
    if statuses:
        rows = rows.filter(status__in=statuses)
    # One order for rows and planned doses alike, which the dispatcher preparing a planned
    # dose (giving it an id) does not change: a page boundary inside an instant holds.
    rows = rows.select_related("medication", "patient__user", "acted_by").order_by(
        "due_at", F("schedule_id").asc(nulls_first=True), "pk")
    doses = list(rows[:limit] if limit is not None else rows)
    if not statuses or DoseStatus.SCHEDULED in statuses:
        existing = set(Dose.objects.filter(patient=patient, due_at__gte=start, due_at__lt=end)
                       .values_list("schedule_id", "due_at"))
        doses += [dose for dose in planned_doses(patient, start, end, limit)
                  if (dose.schedule_id, dose.due_at) not in existing]
    ordered = sorted(doses, key=lambda dose: (dose.due_at, dose.schedule_id or 0, dose.pk or 0))
    return ordered[:limit] if limit is not None else ordered


def doses_of_people(patient_ids: Collection[int], start: datetime,
                    end: datetime) -> dict[int, list[Dose]]:
    """`doses_in` for many people at once (a carer's round): each person's doses due in
    [start, end), the stored rows and the planned times not materialised yet, in due order.
    A bounded number of queries whatever the number of people; every dose comes with its
    medication, schedule and person (and who recorded it)."""
    rows = list(Dose.objects.filter(patient_id__in=patient_ids, due_at__gte=start,
                                    due_at__lt=end)
                .select_related("medication", "schedule", "patient__user", "acted_by"))
    existing = {(dose.schedule_id, dose.due_at) for dose in rows}
    schedules = Schedule.objects.filter(
        patient_id__in=patient_ids, medication__paused=False, next_due_at__lt=end,
    ).select_related("medication", "patient__user").order_by("pk")
    planned: list[Dose] = []
    for schedule in schedules:
        assert schedule.next_due_at is not None
        after = max(schedule.next_due_at, start) - _ONE_MICROSECOND
        for dose in doses_between(schedule, patient_zone(schedule.patient), after,
                                  end - _ONE_MICROSECOND):
            dose.medication, dose.patient = schedule.medication, schedule.patient
            planned.append(dose)
    doses = rows + [dose for dose in unfilled(planned)
                    if (dose.schedule_id, dose.due_at) not in existing]
    people: dict[int, list[Dose]] = {patient_id: [] for patient_id in patient_ids}
    for dose in sorted(doses, key=lambda d: (d.due_at, d.schedule_id or 0, d.pk or 0)):
        people[dose.patient_id].append(dose)
    return people


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


def slots_moved_past(schedule: Schedule, before: ZoneInfo, after: ZoneInfo,
                     now: datetime) -> list[Dose]:
    """The slots of `schedule` that a change of the reminder clock from `before` to `after`
    puts in the past at `now`: still ahead on the old clock, already past on the new one, and
    not filled by a dose. Each is still its day's dose: unsaved rows, due at once.

    Moving west never puts a slot in the past (its time comes later); elapsed-time kinds have
    no slots, so a clock change does not move them."""
    if before.key == after.key or schedule.medication.paused:
        return []
    moved = [dose for dose in doses_between(schedule, after, now - CLOCK_REACH, now)
             if dose.local_day is not None and dose.wall_time is not None
             and to_utc(dose.local_day, dose.wall_time, before) > now]
    for dose in moved:
        dose.moved_at = dose.next_action_at = now
    return unfilled(moved)


@transaction.atomic
def replan(schedule: Schedule, now: datetime | None = None,
           moved_from: ZoneInfo | None = None) -> None:
    """Apply a changed (or paused, or resumed) schedule, or a new reminder clock, at once:
    drop its doses that have not reminded anyone yet and plan again from now. Doses already
    delivered are history, and their slots stay filled: materialising skips them.

    `moved_from`: the reminder clock before a clock change; a slot the change puts in the
    past is kept as a dose due at once (`slots_moved_past`)."""
    now = now or timezone.now()
    Dose.objects.filter(schedule=schedule, status=DoseStatus.SCHEDULED, alerts_sent=0).delete()
    if moved_from is not None:
        Dose.objects.bulk_create(slots_moved_past(schedule, moved_from,
                                                  patient_zone(schedule.patient), now))
    schedule.next_due_at = None
    if not schedule.medication.paused:
        schedule.next_due_at = next_unfilled(schedule, patient_zone(schedule.patient), now)
    schedule.save(update_fields=["next_due_at"])
    plan_refill_reminders(schedule.medication, now)


def next_unfilled(schedule: Schedule, zone: ZoneInfo, now: datetime) -> datetime | None:
    """The first due time of `schedule` after `now` whose slot (or instant) has no dose yet.
    Slots already filled ahead of now (a dose taken early, or reminded on an earlier clock)
    are stepped over one by one, never the unfilled ones between them."""
    timetable = schedule.timetable()
    kept = list(schedule.doses.filter(due_at__gt=now - CLOCK_REACH)
                .values_list("due_at", "local_day", "wall_time"))
    instants = {due_at for due_at, _, _ in kept}
    slots = {(day, wall) for _, day, wall in kept if day is not None}
    at = timetable.next_after(zone, now)
    for _ in range(len(kept) + 1):
        if at is None:
            return None
        found = doses_between(schedule, zone, at - _ONE_MICROSECOND, at)
        slot = (found[0].local_day, found[0].wall_time) if found else (None, None)
        if at not in instants and slot not in slots:
            return at
        at = timetable.next_after(zone, at)
    return at


def replan_patient(patient_id: int, moved_from: ZoneInfo | None = None) -> None:
    """Re-plan every schedule of a patient, e.g. after a change of time zone (`moved_from`:
    the reminder clock before it)."""
    for schedule in Schedule.objects.filter(patient_id=patient_id).select_related(
        "patient", "medication"
    ):
        replan(schedule, moved_from=moved_from)


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
