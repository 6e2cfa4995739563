"""The iCal feed, parsed with icalendar, lists exactly the instants the dispatcher fires, for
every kind of schedule, across Europe/Berlin's spring-forward night (02:30 fires at 03:30
CEST = 01:30Z), and never a dose the dispatcher would not fire."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import icalendar
import pytest
import time_machine

from pulserx.accounts.models import Patient
from pulserx.api.ical import FEED_DAYS
from pulserx.reminders.models import Dose, Medication, Schedule
from pulserx.reminders.planning import materialise_upcoming, replan
from tests.conftest import make_patient
from tests.kinds.every_kind import KINDS, every_kind
from tests.support import https_client

NOW = datetime(2026, 3, 21, 12, 0, tzinfo=UTC)
GAP_DOSE = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 02:30 on the spring-forward night


def feed_instants(patient: Patient) -> dict[int, list[datetime]]:
    """Instants per schedule id, read from the feed by icalendar."""
    body = https_client().get(f"/calendar/{patient.calendar_token}.ics").content
    calendar = icalendar.Calendar.from_ical(body)
    found: dict[int, list[datetime]] = defaultdict(list)
    for event in calendar.walk("VEVENT"):
        schedule_id = int(str(event["UID"]).split("-")[1])
        found[schedule_id].append(event.decoded("DTSTART").astimezone(UTC))
    assert not any(event.get("RRULE") for event in calendar.walk("VEVENT"))
    return {key: sorted(value) for key, value in found.items()}


def fired_instants(until: datetime) -> dict[int, list[datetime]]:
    """What the dispatcher's materialise step writes up to `until` (it is the only writer of
    dose rows, and every row it writes is reminded)."""
    materialise_upcoming(NOW, until - NOW)
    found: dict[int, list[datetime]] = defaultdict(list)
    for schedule_id, due_at in Dose.objects.filter(due_at__lte=until).values_list(
            "schedule_id", "due_at").order_by("due_at"):
        found[schedule_id].append(due_at)
    return dict(found)


@pytest.fixture
def berliner(db: None) -> Patient:
    return make_patient("pat@example.org", tz="Europe/Berlin")


def test_feed_equals_dispatcher_for_every_kind_across_a_spring_forward_night(
        berliner: Patient) -> None:
    with time_machine.travel(NOW, tick=False):
        made = every_kind(berliner, NOW)
        before = feed_instants(berliner)  # planned: nothing prepared yet
        fired = fired_instants(NOW + timedelta(days=FEED_DAYS))
        after = feed_instants(berliner)  # the prepared rows themselves
    scheduled = {name: m.schedule.pk for name, m in made.items() if name != "as_needed"}
    for name, schedule_id in scheduled.items():
        assert fired.get(schedule_id), name
        assert before.get(schedule_id) == fired[schedule_id], name
        assert after.get(schedule_id) == fired[schedule_id], name
    assert made["as_needed"].schedule.pk not in before
    assert GAP_DOSE in before[scheduled["daily_with_gap_time"]]
    assert GAP_DOSE in before[scheduled["weekdays"]]  # Sunday 29 March
    assert len(KINDS) == len(scheduled) + 1


def test_feed_leaves_out_a_time_earlier_today_that_never_fires(db: None) -> None:
    patient = make_patient("early@example.org", tz="UTC")
    created = datetime(2026, 5, 4, 6, 40, tzinfo=UTC)
    with time_machine.travel(created, tick=False):
        medication = Medication.objects.create(patient=patient, name="Metformin")
        schedule = Schedule.objects.create(
            patient=patient, medication=medication, start_date=date(2026, 5, 4),
            times=[{"at": "00:15", "amount": "1"}, {"at": "23:00", "amount": "1"}])
        replan(schedule)
        assert schedule.next_due_at == datetime(2026, 5, 4, 23, 0, tzinfo=UTC)
        listed = feed_instants(patient)[schedule.pk]
    assert listed[0] == datetime(2026, 5, 4, 23, 0, tzinfo=UTC)
    assert datetime(2026, 5, 4, 0, 15, tzinfo=UTC) not in listed


def test_feed_keeps_todays_doses_already_reminded(db: None) -> None:
    patient = make_patient("kept@example.org", tz="UTC")
    with time_machine.travel(datetime(2026, 5, 3, 12, 0, tzinfo=UTC), tick=False):
        medication = Medication.objects.create(patient=patient, name="Metformin")
        schedule = Schedule.objects.create(
            patient=patient, medication=medication, start_date=date(2026, 5, 1),
            times=[{"at": "08:00", "amount": "1"}, {"at": "20:00", "amount": "1"}])
        replan(schedule)
    morning = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
    materialise_upcoming(morning - timedelta(minutes=5), timedelta(minutes=10))
    with time_machine.travel(morning + timedelta(hours=2), tick=False):
        listed = feed_instants(patient)[schedule.pk]
    assert listed[:2] == [morning, morning + timedelta(hours=12)]
