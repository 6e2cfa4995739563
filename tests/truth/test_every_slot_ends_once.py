"""Property: whatever a patient does — zone reports, clock choices, a new home zone, takes,
skips, corrections, early takes, and time passing with the dispatcher running — every
(medication, local day, slot) ends exactly once as taken, skipped or missed (none twice, none
absent), and a course of N doses has N.

Zones with half- and quarter-hour offsets (and DST) make clock changes land between slots;
once-, twice- and thrice-daily medications and a counted every-8-hours course run side by
side. The oracle is plain: every (day, time of day) from the first day to the last finished
one, and anchor + k x 8 h for k < N.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from pulserx.accounts.models import Patient
from pulserx.dispatch.tick import tick
from pulserx.reminders.actions import DoseActionError, record_dose
from pulserx.reminders.clock import patient_zone
from pulserx.reminders.corrections import (
    EARLY_WINDOW,
    Correction,
    can_correct,
    correct_dose,
    record_upcoming,
)
from pulserx.reminders.models import (
    RECORDED_STATUSES,
    Dose,
    DoseStatus,
    Medication,
    Schedule,
)
from pulserx.reminders.planning import doses_in, replan, replan_patient
from pulserx.reminders.schedule import Recurrence, TravelPolicy
from pulserx.reminders.travel import choose_clock, report_zone
from tests.factories import make_patient

pytestmark = pytest.mark.django_db

ZONES = ["Asia/Kolkata", "Asia/Kathmandu", "Asia/Yangon", "Asia/Tehran", "Australia/Eucla",
         "Australia/Adelaide", "America/St_Johns", "Pacific/Chatham", "Europe/London",
         "America/Los_Angeles", "Pacific/Kiritimati", "Pacific/Pago_Pago"]
DAILY = {"once": ("21:54",), "twice": ("08:00", "20:00"), "thrice": ("07:15", "13:45", "22:30")}
BEGIN = datetime(2027, 3, 12, 9, 0, tzinfo=UTC)  # St John's and London change clocks after
STEP = timedelta(minutes=30)
COURSE_EVERY = timedelta(hours=8)
_emails = itertools.count()

steps = st.lists(st.one_of(
    st.tuples(st.just("pass"), st.integers(1, 20)),  # half hours
    st.tuples(st.just("travel"), st.sampled_from(ZONES), st.sampled_from(list(TravelPolicy))),
    st.tuples(st.just("home"), st.sampled_from(ZONES)),
    st.tuples(st.sampled_from(["take", "skip"]), st.integers(0, 20)),
    st.tuples(st.just("correct"), st.integers(0, 20), st.sampled_from(list(Correction))),
    st.tuples(st.just("early"), st.integers(0, 20), st.sampled_from(["take", "skip"])),
), min_size=1, max_size=14)


class Run:
    """One patient living through the steps, the clock moved by hand."""

    def __init__(self, home: str, course: int) -> None:
        self.now = BEGIN
        with self.at():
            self.patient = make_patient(f"p{next(_emails)}@example.org", tz=home,
                                        current_timezone=home, reported_timezone=home)
            zone = ZoneInfo(home)
            self.first_day = BEGIN.astimezone(zone).date() + timedelta(days=1)
            self.schedules = [self.daily(name, walls) for name, walls in DAILY.items()]
            self.course = self.counted_course(zone, course)

    @contextmanager
    def at(self) -> Iterator[None]:
        with time_machine.travel(self.now, tick=False):
            yield

    def daily(self, name: str, walls: tuple[str, ...]) -> Schedule:
        medication = Medication.objects.create(patient=self.patient, name=name,
                                               stock=Decimal(500))
        schedule = Schedule.objects.create(
            patient=self.patient, medication=medication, start_date=self.first_day,
            times=[{"at": wall, "amount": "1"} for wall in walls])
        replan(schedule)
        return schedule

    def counted_course(self, zone: ZoneInfo, count: int) -> Schedule:
        medication = Medication.objects.create(patient=self.patient, name="course")
        anchor = datetime.combine(self.first_day, time(6, 0), tzinfo=zone).astimezone(UTC)
        schedule = Schedule.objects.create(
            patient=self.patient, medication=medication, start_date=self.first_day,
            recurrence=Recurrence.EVERY_HOURS, every_minutes=8 * 60, anchor_at=anchor,
            dose_count=count)
        replan(schedule)
        return schedule

    def pass_time(self, span: timedelta) -> None:
        end = self.now + span
        while self.now < end:
            self.now = min(self.now + STEP, end)
            tick(self.now)

    def do(self, step: tuple) -> None:  # type: ignore[type-arg]
        kind = step[0]
        if kind == "pass":
            self.pass_time(step[1] * STEP)
            return
        # Refused like on the page (DoseActionError): nothing changes.
        with self.at(), suppress(DoseActionError):
            getattr(self, f"do_{kind}")(*step[1:])

    def do_travel(self, zone: str, policy: TravelPolicy) -> None:
        report_zone(self.patient, zone)
        choose_clock(self.patient, policy)

    def do_home(self, zone: str) -> None:
        patient = Patient.objects.get(pk=self.patient.pk)
        before = patient_zone(patient)
        Patient.objects.filter(pk=patient.pk).update(timezone=zone)
        replan_patient(patient.pk, moved_from=before)

    def open_doses(self) -> list[Dose]:
        return list(Dose.objects.filter(
            patient=self.patient, due_at__lte=self.now,
            status__in=(DoseStatus.SCHEDULED, DoseStatus.NOTIFIED, DoseStatus.MISSED))
            .order_by("due_at", "pk"))

    def do_take(self, index: int) -> None:
        self._record(index, DoseStatus.TAKEN)

    def do_skip(self, index: int) -> None:
        self._record(index, DoseStatus.SKIPPED)

    def _record(self, index: int, status: DoseStatus) -> None:
        doses = self.open_doses()
        if doses:
            record_dose(doses[index % len(doses)].pk, status, self.patient.user, self.now)

    def do_correct(self, index: int, to: Correction) -> None:
        doses = [dose for dose in Dose.objects.filter(patient=self.patient).order_by("pk")
                 if can_correct(dose, self.now)]
        if doses:
            correct_dose(doses[index % len(doses)].pk, to, self.patient.user, self.now)

    def do_early(self, index: int, action: str) -> None:
        patient = Patient.objects.get(pk=self.patient.pk)
        upcoming = [dose for dose in doses_in(patient, self.now + timedelta(seconds=1),
                                              self.now + EARLY_WINDOW)
                    if dose.schedule_id and dose.status == DoseStatus.SCHEDULED]
        if upcoming:
            dose = upcoming[index % len(upcoming)]
            schedule = Schedule.objects.select_related("patient", "medication").get(
                pk=dose.schedule_id)
            status = DoseStatus.TAKEN if action == "take" else DoseStatus.SKIPPED
            record_upcoming(schedule, dose.due_at, status, self.patient.user, self.now)


def slots_of(schedule: Schedule, first: date, last: date) -> Counter[tuple[date, time]]:
    walls = [time.fromisoformat(entry["at"]) for entry in schedule.times]
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return Counter((day, wall) for day in days for wall in walls)


@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(home=st.sampled_from(ZONES), course=st.integers(3, 9), plan=steps)
def test_every_slot_ends_exactly_once(db: None, home: str, course: int,
                                      plan: list[tuple]) -> None:  # type: ignore[type-arg]
    note(f"home={home!r} course={course} plan={plan!r}")
    run = Run(home, course)
    for step in plan:
        run.do(step)
    finished = run.now
    anchor = Schedule.objects.get(pk=run.course.pk).anchor_at
    assert anchor is not None
    course_over = anchor + course * COURSE_EVERY + timedelta(hours=3)
    # The dispatcher settles every dose that is due, the course's last one included.
    run.pass_time(max(timedelta(days=2), course_over - run.now))

    # A slot's instant is within 14 h of its day in UTC on any clock: the days up to two
    # before the end of the steps are over on every clock the patient could have had.
    last = finished.date() - timedelta(days=1)
    for schedule in run.schedules:
        doses = Dose.objects.filter(schedule=schedule, local_day__lte=last)
        found = Counter((dose.local_day, dose.wall_time) for dose in doses)
        assert found == slots_of(schedule, run.first_day, last), schedule.medication.name
        assert {dose.status for dose in doses} <= set(RECORDED_STATUSES)

    course_doses = list(Dose.objects.filter(schedule=run.course).order_by("due_at"))
    assert [dose.due_at for dose in course_doses] == [anchor + k * COURSE_EVERY
                                                      for k in range(course)]
    assert {dose.status for dose in course_doses} <= set(RECORDED_STATUSES)
    with run.at():
        run.patient.user.delete()  # the next example's ticks need not work through this one
