"""The dispatcher fires the new kinds: every N hours, phases of a taper, anchored times."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from itertools import pairwise

import time_machine

from pulserx.reminders.actions import record_dose
from pulserx.reminders.models import Dose, DoseStatus, IntervalFrom, Medication, Schedule
from pulserx.reminders.planning import materialise_upcoming, replan
from pulserx.reminders.routine import set_routine
from pulserx.reminders.schedule import Recurrence
from tests.conftest import make_patient

SPRING_NY = datetime(2026, 3, 8, 7, 0, tzinfo=UTC)  # 02:00 EST -> 03:00 EDT


def due_times(schedule: Schedule) -> list[datetime]:
    return list(schedule.doses.order_by("due_at").values_list("due_at", flat=True))


def test_every_8_hours_fires_8_hours_apart_across_a_spring_forward_night(db: None) -> None:
    patient = make_patient("ny@example.org", tz="America/New_York")
    anchor = datetime(2026, 3, 7, 14, 0, tzinfo=UTC)  # 09:00 EST
    med = Medication.objects.create(patient=patient, name="Amoxicillin")
    schedule = Schedule.objects.create(
        patient=patient, medication=med, recurrence=Recurrence.EVERY_HOURS, every_minutes=480,
        anchor_at=anchor, start_date=date(2026, 3, 7))
    replan(schedule, anchor - timedelta(hours=1))
    materialise_upcoming(anchor - timedelta(hours=1), timedelta(days=2))
    fired = due_times(schedule)
    assert len(fired) == 6 and fired[0] == anchor
    assert all(b - a == timedelta(hours=8) for a, b in pairwise(fired))
    assert any(a < SPRING_NY < b for a, b in pairwise(fired))


def test_counting_from_when_taken_moves_the_next_dose(db: None) -> None:
    patient = make_patient("pat@example.org")
    anchor = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
    med = Medication.objects.create(patient=patient, name="Amoxicillin")
    schedule = Schedule.objects.create(
        patient=patient, medication=med, recurrence=Recurrence.EVERY_HOURS, every_minutes=360,
        anchor_at=anchor, interval_from=IntervalFrom.TAKEN, start_date=date(2026, 5, 1))
    replan(schedule, anchor - timedelta(minutes=5))
    materialise_upcoming(anchor - timedelta(minutes=5), timedelta(minutes=10))
    first = schedule.doses.get()
    taken_at = anchor + timedelta(minutes=90)
    record_dose(first.pk, DoseStatus.TAKEN, patient.user, now=taken_at)
    schedule.refresh_from_db()
    assert schedule.next_due_at == taken_at + timedelta(hours=6)


def test_a_taper_fires_each_phases_amount_and_stops_after_the_last(db: None) -> None:
    patient = make_patient("pat@example.org")
    phases = [{"days": 2, "times": [{"at": "08:00", "amount": "4"}]},
              {"days": 2, "times": [{"at": "08:00", "amount": "3"}]},
              {"days": 1, "times": [{"at": "08:00", "amount": "1"},
                                    {"at": "20:00", "amount": "1"}]}]
    med = Medication.objects.create(patient=patient, name="Prednisolone")
    schedule = Schedule.objects.create(patient=patient, medication=med,
                                       recurrence=Recurrence.TAPER, phases=phases,
                                       start_date=date(2026, 6, 1))
    start = datetime(2026, 6, 1, 0, 0, tzinfo=UTC)
    replan(schedule, start)
    materialise_upcoming(start, timedelta(days=10))
    amounts = list(schedule.doses.order_by("due_at").values_list("amount", flat=True))
    assert amounts == [Decimal(a) for a in ("4", "4", "3", "3", "1", "1")]
    schedule.refresh_from_db()
    assert schedule.next_due_at is None


def test_anchored_times_move_when_the_patient_changes_their_day(db: None) -> None:
    patient = make_patient("pat@example.org", tz="Europe/Berlin")
    now = datetime(2026, 7, 1, 4, 0, tzinfo=UTC)  # 06:00 in Berlin
    med = Medication.objects.create(patient=patient, name="Levothyroxine")
    schedule = Schedule.objects.create(
        patient=patient, medication=med, start_date=date(2026, 7, 1),
        times=[{"at": "07:00", "anchor": "breakfast", "offset": -30, "amount": "1"},
               {"at": "22:30", "anchor": "bedtime", "offset": 0, "amount": "1"}])
    replan(schedule, now)
    materialise_upcoming(now, timedelta(hours=2))  # 07:00 prepared, not yet reminded
    with time_machine.travel(now, tick=False):
        set_routine(patient, breakfast=time(8, 15), bedtime=time(23, 0))
    schedule.refresh_from_db()
    assert [t["at"] for t in schedule.times] == ["07:45", "23:00"]
    assert not Dose.objects.filter(due_at=datetime(2026, 7, 1, 5, 0, tzinfo=UTC)).exists()
    assert schedule.next_due_at == datetime(2026, 7, 1, 5, 45, tzinfo=UTC)
