"""A dose is a slot: travelling never plans a slot already reminded, taken, skipped or missed
again, a slot not yet due moves to the chosen clock, and nothing moves until the patient
chooses."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
import time_machine
from django.test import Client

from pulserx.accounts.models import Patient
from pulserx.dispatch.tick import tick
from pulserx.reminders.actions import record_dose
from pulserx.reminders.models import Dose, DoseStatus
from pulserx.reminders.planning import replan_patient
from pulserx.reminders.schedule import TravelPolicy
from pulserx.web.day import timeline
from tests import factories as make
from tests.factories import make_patient

pytestmark = pytest.mark.django_db
DAY = date(2027, 3, 3)
TAKEN_IN_BERLIN = datetime(2027, 3, 3, 6, 40, 30, tzinfo=UTC)  # 07:40:30 in Berlin
MORNING_IN_NEW_YORK = datetime(2027, 3, 3, 7, 30, tzinfo=UTC)  # 02:30 in New York


def berlin_patient(policy: TravelPolicy) -> Patient:
    return make_patient("pat@example.org", tz="Europe/Berlin", current_timezone="Europe/Berlin",
                        reported_timezone="Europe/Berlin", travel_policy=policy)


def take_the_0740_dose_in_berlin(patient: Patient) -> Dose:
    with time_machine.travel(datetime(2027, 3, 2, 12, tzinfo=UTC), tick=False):
        make.medication(patient, time(7, 40), start=DAY)
    with time_machine.travel(TAKEN_IN_BERLIN, tick=False):
        tick()
        dose = Dose.objects.get()
        record_dose(dose.pk, DoseStatus.TAKEN, by=patient.user)
    return dose


def lands_in_new_york_and_chooses(client: Client, patient: Patient, policy: str) -> None:
    with time_machine.travel(MORNING_IN_NEW_YORK, tick=False):
        client.force_login(patient.user)
        answer = client.post("/accounts/timezone/", {"timezone": "America/New_York"}).json()
        assert answer["ask"] is True
        client.post("/accounts/timezone/choose/", {"travel_policy": policy})


def test_following_the_local_clock_after_a_taken_dose_plans_no_second_one(client: Client):
    patient = berlin_patient(TravelPolicy.HOME_CLOCK)
    taken = take_the_0740_dose_in_berlin(patient)
    lands_in_new_york_and_chooses(client, patient, "local")
    patient.refresh_from_db()
    assert (patient.travel_policy, patient.current_timezone) == ("local", "America/New_York")

    with time_machine.travel(MORNING_IN_NEW_YORK, tick=False):
        day, entries, _ = timeline(patient, MORNING_IN_NEW_YORK)
    assert day == DAY
    assert [(e.dose.pk if e.dose else None) for e in entries] == [taken.pk]
    for hour in range(7, 24):  # the whole New York day, 07:40 there included
        with time_machine.travel(datetime(2027, 3, 3, hour, 45, tzinfo=UTC), tick=False):
            tick()
    assert list(Dose.objects.filter(local_day=DAY).values_list("pk", flat=True)) == [taken.pk]
    next_due = patient.schedules.get().next_due_at
    assert next_due == datetime(2027, 3, 4, 12, 40, tzinfo=UTC)  # 07:40 in New York


def test_a_slot_not_yet_due_moves_to_the_chosen_clock(client: Client):
    patient = berlin_patient(TravelPolicy.HOME_CLOCK)
    with time_machine.travel(datetime(2027, 3, 2, 12, tzinfo=UTC), tick=False):
        make.medication(patient, time(20, 0), start=DAY)
    lands_in_new_york_and_chooses(client, patient, "local")
    patient.refresh_from_db()
    with time_machine.travel(MORNING_IN_NEW_YORK, tick=False):
        _, entries, _ = timeline(patient, MORNING_IN_NEW_YORK)
    assert [e.due_at for e in entries] == [datetime(2027, 3, 4, 1, 0, tzinfo=UTC)]  # 20:00 NY


def test_keeping_the_home_clock_moves_nothing_and_a_home_zone_change_keeps_slots(
        client: Client):
    patient = berlin_patient(TravelPolicy.LOCAL_CLOCK)
    taken = take_the_0740_dose_in_berlin(patient)
    lands_in_new_york_and_chooses(client, patient, "home")
    patient.refresh_from_db()
    assert (patient.travel_policy, patient.current_timezone) == ("home", "America/New_York")
    # Later the patient moves home to New York: the taken slot of that day stays one dose.
    with time_machine.travel(MORNING_IN_NEW_YORK, tick=False):
        Patient.objects.filter(pk=patient.pk).update(timezone="America/New_York")
        replan_patient(patient.pk)
    for hour in range(7, 24):
        with time_machine.travel(datetime(2027, 3, 3, hour, 45, tzinfo=UTC), tick=False):
            tick()
    assert list(Dose.objects.filter(local_day=DAY).values_list("pk", flat=True)) == [taken.pk]


def test_a_reported_zone_moves_nothing_until_the_patient_chooses(client: Client):
    patient = berlin_patient(TravelPolicy.LOCAL_CLOCK)
    with time_machine.travel(datetime(2027, 3, 2, 12, tzinfo=UTC), tick=False):
        make.medication(patient, time(20, 0), start=DAY)
    with time_machine.travel(MORNING_IN_NEW_YORK, tick=False):
        client.force_login(patient.user)
        client.post("/accounts/timezone/", {"timezone": "America/New_York"})
        page = client.get("/").content.decode()
    assert "You seem to be in America/New York" in page
    assert "It is 02:30 there" in page and "Europe/Berlin (now 08:30)" in page
    assert "Follow the clock where I am" in page and "Keep my home clock" in page
    patient.refresh_from_db()
    assert patient.schedules.get().next_due_at == datetime(2027, 3, 3, 19, 0, tzinfo=UTC)

