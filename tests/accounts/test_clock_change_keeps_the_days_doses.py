"""A slot that a clock change puts in the past is still that day's dose: it is reminded at
once (saying the clock change moved it, and its time), shown on Today, recordable and
counted. Moving west, a slot not yet due comes later, once."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from pulserx.accounts.models import Patient
from pulserx.dispatch.tick import tick
from pulserx.notifications.models import Notification
from pulserx.reminders.actions import record_dose
from pulserx.reminders.corrections import record_upcoming
from pulserx.reminders.models import Dose, DoseStatus
from pulserx.reminders.schedule import TravelPolicy
from pulserx.web.day import timeline
from tests import factories as make
from tests.factories import make_patient

pytestmark = pytest.mark.django_db
DAY = date(2027, 3, 3)
BEFORE_THE_DOSE_IN_DHAKA = datetime(2027, 3, 3, 15, 40, tzinfo=UTC)  # 21:40 Dhaka, 22:10 Yangon


def patient_in(zone: str) -> Patient:
    return make_patient("pat@example.org", tz=zone, current_timezone=zone,
                        reported_timezone=zone, travel_policy=TravelPolicy.HOME_CLOCK)


def with_dose_at(patient: Patient, wall: str) -> None:
    with time_machine.travel(datetime(2027, 3, 1, 12, tzinfo=UTC), tick=False):
        make.medication(patient, wall, start=DAY - timedelta(days=1), name="Levetiracetam")


def arrives_and_follows_the_local_clock(client: Client, patient: Patient, zone: str) -> None:
    client.force_login(patient.user)
    assert client.post("/accounts/timezone/", {"timezone": zone}).json()["ask"] is True
    client.post("/accounts/timezone/choose/", {"travel_policy": "local"})


def test_moving_east_past_a_dose_keeps_it_and_reminds_it_at_once(client: Client) -> None:
    patient = patient_in("Asia/Dhaka")
    with_dose_at(patient, "21:54")
    with time_machine.travel(BEFORE_THE_DOSE_IN_DHAKA, tick=False):
        tick()
        assert not Dose.objects.filter(local_day=DAY).exists()  # not due for 14 minutes
        arrives_and_follows_the_local_clock(client, patient, "Asia/Yangon")
        patient.refresh_from_db()

        dose = Dose.objects.get(local_day=DAY)
        assert dose.wall_time == time(21, 54)
        assert dose.due_at == datetime(2027, 3, 3, 15, 24, tzinfo=UTC)  # 21:54 in Yangon
        assert dose.moved_at == BEFORE_THE_DOSE_IN_DHAKA
        _, entries, _ = timeline(patient, BEFORE_THE_DOSE_IN_DHAKA)
        assert [e.dose for e in entries] == [dose]
        assert entries[0].state is not None and entries[0].state.can_record
        today = client.get("/").content.decode()
        assert "Moved by a clock change" in today

        tick()
        dose.refresh_from_db()
        assert (dose.status, dose.late) == (DoseStatus.NOTIFIED, False)
        assert Notification.objects.filter(dose=dose).count() == 1
        inbox = client.get("/inbox/").content.decode()
        assert "The clock change moved this dose: its time, 21:54, had already passed" in inbox

    with time_machine.travel(BEFORE_THE_DOSE_IN_DHAKA + timedelta(minutes=5), tick=False):
        record_dose(dose.pk, DoseStatus.TAKEN, by=patient.user)
    assert patient.schedules.get().next_due_at == datetime(2027, 3, 4, 15, 24, tzinfo=UTC)


@pytest.mark.parametrize(("home", "away", "wall", "now"), [
    ("Europe/Moscow", "Asia/Tehran", "21:54", datetime(2027, 3, 3, 18, 40, tzinfo=UTC)),
    ("Asia/Tokyo", "Australia/Darwin", "08:10", datetime(2027, 3, 2, 23, 0, tzinfo=UTC)),
    ("Asia/Kolkata", "Asia/Kathmandu", "12:00", datetime(2027, 3, 3, 6, 25, tzinfo=UTC)),
])
def test_every_day_of_an_eastward_trip_has_its_dose_once(client: Client, home: str, away: str,
                                                         wall: str, now: datetime) -> None:
    patient = patient_in(home)
    with_dose_at(patient, wall)
    with time_machine.travel(now, tick=False):
        tick()
        arrives_and_follows_the_local_clock(client, patient, away)
    for minutes in range(0, 3 * 24 * 60, 20):
        with time_machine.travel(now + timedelta(minutes=minutes), tick=False):
            tick()
    days = list(Dose.objects.order_by("local_day").values_list("local_day", flat=True))
    assert days == sorted(set(days))
    assert DAY in days and DAY + timedelta(days=1) in days


def test_moving_west_a_dose_not_yet_due_comes_later_once(client: Client) -> None:
    patient = patient_in("Asia/Yangon")
    with_dose_at(patient, "21:54")
    at = datetime(2027, 3, 3, 15, 0, tzinfo=UTC)  # 21:30 Yangon, 21:00 Dhaka
    with time_machine.travel(at, tick=False):
        tick()
        arrives_and_follows_the_local_clock(client, patient, "Asia/Dhaka")
    assert not Dose.objects.filter(local_day=DAY).exists()
    for minutes in range(0, 12 * 60, 5):
        with time_machine.travel(at + timedelta(minutes=minutes), tick=False):
            tick()
    dose = Dose.objects.get(local_day=DAY)
    assert dose.due_at == datetime(2027, 3, 3, 15, 54, tzinfo=UTC)  # 21:54 Dhaka
    assert dose.moved_at is None


def test_east_then_back_west_before_the_reminder_leaves_one_dose(client: Client) -> None:
    patient = patient_in("Asia/Dhaka")
    with_dose_at(patient, "21:54")
    with time_machine.travel(BEFORE_THE_DOSE_IN_DHAKA, tick=False):
        arrives_and_follows_the_local_clock(client, patient, "Asia/Yangon")
        assert Dose.objects.get(local_day=DAY).moved_at is not None
        client.post("/accounts/timezone/choose/", {"travel_policy": "home"})
        assert not Dose.objects.filter(local_day=DAY).exists()  # 21:54 Dhaka is ahead again
    for minutes in range(0, 60, 2):
        with time_machine.travel(BEFORE_THE_DOSE_IN_DHAKA + timedelta(minutes=minutes),
                                 tick=False):
            tick()
    dose = Dose.objects.get(local_day=DAY)
    assert (dose.due_at, dose.status) == (datetime(2027, 3, 3, 15, 54, tzinfo=UTC),
                                          DoseStatus.NOTIFIED)


def test_a_new_home_zone_moving_east_keeps_the_dose_too(client: Client) -> None:
    patient = patient_in("Europe/Moscow")
    with_dose_at(patient, "21:54")
    at = datetime(2027, 3, 3, 18, 40, tzinfo=UTC)  # 21:40 Moscow, 22:10 Tehran
    with time_machine.travel(at, tick=False):
        client.force_login(patient.user)
        client.post(reverse("account_settings"), {
            "timezone": "Asia/Tehran", "travel_policy": "home", "notify_push": "on",
            "missed_after_minutes": "60", "realert_every_minutes": "15", "realert_limit": "2",
            "quiet_start": "", "quiet_end": ""})
        patient.refresh_from_db()
        assert patient.timezone == "Asia/Tehran"
        dose = Dose.objects.get(local_day=DAY)
        assert dose.moved_at == at and dose.wall_time == time(21, 54)


def test_the_travel_question_says_what_each_answer_does_to_todays_doses(
        client: Client) -> None:
    patient = patient_in("Asia/Dhaka")
    with_dose_at(patient, "21:54")
    with time_machine.travel(BEFORE_THE_DOSE_IN_DHAKA, tick=False):
        client.force_login(patient.user)
        client.post("/accounts/timezone/", {"timezone": "Asia/Yangon"})
        page = client.get("/").content.decode()
    local, home = page.split("<dt>Keep my home clock</dt>")
    assert "keep their times of day on the clock in Yangon, so they come 30 min earlier" \
        in local
    assert "Levetiracetam 500 mg at 21:54 has already passed on that clock: it is still " \
           "that day&#x27;s dose, and you are reminded of it at once." in local
    assert "Nothing moves: your reminders already follow this clock." in home
    assert not Dose.objects.exists()  # asking changes nothing


def test_a_dose_taken_early_does_not_hide_the_slots_before_it_after_a_move_west(
        client: Client) -> None:
    patient = patient_in("Asia/Dhaka")
    with time_machine.travel(datetime(2027, 3, 1, 12, tzinfo=UTC), tick=False):
        medication = make.medication(patient, "08:00", "12:00", "20:00", start=DAY)
    morning = datetime(2027, 3, 3, 4, 0, tzinfo=UTC)  # 10:00 Dhaka, 04:00 London
    with time_machine.travel(morning, tick=False):
        record_upcoming(medication.schedule, datetime(2027, 3, 3, 14, 0, tzinfo=UTC),
                        DoseStatus.TAKEN, patient.user)  # 20:00 Dhaka, early
        arrives_and_follows_the_local_clock(client, patient, "Europe/London")
    for minutes in range(0, 24 * 60, 20):
        with time_machine.travel(morning + timedelta(minutes=minutes), tick=False):
            tick()
    walls = sorted(Dose.objects.filter(local_day=DAY).values_list("wall_time", flat=True))
    assert walls == [time(8, 0), time(12, 0), time(20, 0)]
    assert Dose.objects.get(local_day=DAY, wall_time=time(12, 0)).due_at == datetime(
        2027, 3, 3, 12, 0, tzinfo=UTC)  # 12:00 in London
