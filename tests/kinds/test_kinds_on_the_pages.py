"""The newer kinds on the pages: the medication form, Settings → Your day, and Today."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

import pytest
import time_machine
from django.test import Client

from pulserx.accounts.models import Patient
from pulserx.reminders.models import DayRoutine, Medication, Schedule

NOW = datetime(2026, 6, 2, 9, 0, tzinfo=UTC)  # 10:00 in London


@pytest.fixture(autouse=True)
def frozen() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def browser(patient: Patient, client: Client) -> Client:
    client.force_login(patient.user)
    return client


def form_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Amoxicillin", "strength": "500 mg", "form": "capsule", "instructions": "",
        "stock": "30", "refill_threshold": "", "recurrence": "daily", "every_days": "2",
        "days_on": "21", "days_off": "7", "start_date": "2026-06-02", "end_date": "",
        "time": [""], "amount": ["1"], "interval_from": "scheduled",
        "continue_last_phase": "0", "limit_period_hours": "24", "dose_amount": "1",
    }
    data.update(changes)
    return data


def saved() -> Schedule:
    return Schedule.objects.select_related("medication").get()


def test_every_8_hours_from_a_first_time(browser: Client) -> None:
    response = browser.post("/medications/new", form_data(
        recurrence="every_hours", every_hours="8", first_at="14:00", dose_amount="2"))
    assert response.status_code == 302
    schedule = saved()
    assert (schedule.every_minutes, schedule.dose_amount) == (480, 2)
    assert schedule.anchor_at == datetime(2026, 6, 2, 13, 0, tzinfo=UTC)  # 14:00 BST
    assert schedule.next_due_at == schedule.anchor_at
    listing = browser.get("/medications/").content.decode()
    assert "every 8 hours" in listing and "real elapsed time" in listing


def test_hours_apart_that_are_not_whole_minutes_of_an_hour_come_back_as_typed(
        browser: Client) -> None:
    """1.68 hours is 100.8 minutes: saved as 101, shown again as 1.68 (not 1.6833…, which
    the field's two places would refuse when the page is saved unchanged)."""
    browser.post("/medications/new", form_data(recurrence="every_hours", every_hours="1.68",
                                               first_at="14:00"))
    schedule = saved()
    assert schedule.every_minutes == 101
    page = browser.get(f"/medications/{schedule.medication_id}/edit").content.decode()
    assert 'name="every_hours" value="1.68"' in page
    Schedule.objects.filter(pk=schedule.pk).update(every_minutes=100)  # as the API may set it
    page = browser.get(f"/medications/{schedule.medication_id}/edit").content.decode()
    assert 'name="every_hours" value="1.67"' in page
    response = browser.post(f"/medications/{schedule.medication_id}/edit", form_data(
        recurrence="every_hours", every_hours="1.67", first_at="14:00"))
    assert response.status_code == 302
    assert saved().every_minutes == 100


def test_the_form_says_what_counting_from_the_last_dose_means(browser: Client) -> None:
    page = browser.get("/medications/new").content.decode()
    assert "From when you last took it: taking a dose late moves every later" in page
    assert "Counted in real hours, so doses stay exactly this far apart" in page


def test_an_interval_without_its_first_time_is_refused_beside_the_field(
        browser: Client) -> None:
    response = browser.post("/medications/new", form_data(recurrence="every_hours",
                                                          every_hours="8"))
    assert response.status_code == 200
    assert "Give the time of the first dose." in response.content.decode()
    assert not Medication.objects.exists()


def test_a_tapering_plan_typed_as_phases(browser: Client) -> None:
    response = browser.post("/medications/new", form_data(
        recurrence="taper", continue_last_phase="0",
        phases="5 days: 12:00 x4\n5 days: 08:00 x3\n3 days: 08:00 x2, 20:00 x1"))
    assert response.status_code == 302
    schedule = saved()
    assert [p["days"] for p in schedule.phases] == [5, 5, 3]
    assert schedule.phases[2]["times"] == [{"at": "08:00", "amount": "2"},
                                           {"at": "20:00", "amount": "1"}]
    today = browser.get("/").content.decode()
    assert "Phase 1 of 3" in today and "until Sat 6 Jun" in today
    assert "Next: 08:00 (3) from Sun 7 Jun" in today


def test_a_12_hour_reader_types_and_reads_every_kind_on_their_clock(
        browser: Client, patient: Patient) -> None:
    patient.user.clock_format = "12h"
    patient.user.save()
    response = browser.post("/medications/new", form_data(
        recurrence="taper", phases="5 days: 12:00 PM x4\n3 days: 8 am x2, 8:00 PM x1"))
    assert response.status_code == 302
    assert saved().phases[1]["times"] == [{"at": "08:00", "amount": "2"},
                                          {"at": "20:00", "amount": "1"}]
    today = browser.get("/").content.decode()
    assert "12:00 PM (4)" in today and "Next: 8:00 AM (2), 8:00 PM (1) from" in today
    edit = browser.get(f"/medications/{saved().medication_id}/edit").content.decode()
    assert "3 days: 8:00 AM x2, 8:00 PM x1" in edit
    refused = browser.post("/medications/new", form_data(
        recurrence="every_hours", every_hours="8", first_at="2 in the afternoon"))
    assert "“2 in the afternoon” is not a time of day. Write a time as 20:00, 8:00 PM" in \
        refused.content.decode()
    browser.post("/medications/new", form_data(name="Doxycycline", recurrence="every_hours",
                                               every_hours="8", first_at="2 pm"))
    interval = Schedule.objects.get(medication__name="Doxycycline")
    assert interval.anchor_at == datetime(2026, 6, 2, 13, 0, tzinfo=UTC)  # 2 pm BST
    assert "every 8 hours" in browser.get("/medications/").content.decode()


def test_a_bad_phase_line_is_named(browser: Client) -> None:
    response = browser.post("/medications/new", form_data(recurrence="taper",
                                                          phases="five days: 08:00"))
    assert "“five days: 08:00” is not a phase" in response.content.decode()
    assert not Medication.objects.exists()


def test_as_needed_limits_and_a_shared_limit(browser: Client, patient: Patient) -> None:
    for name in ("Paracetamol", "Cold and flu"):
        response = browser.post("/medications/new", form_data(
            name=name, recurrence="as_needed", max_doses="4", min_gap_hours="4",
            limit_group="paracetamol", alert_caregivers_on_override="on"))
        assert response.status_code == 302
    schedules = list(Schedule.objects.order_by("pk"))
    assert [(s.max_doses, s.min_gap_minutes) for s in schedules] == [(4, 240), (4, 240)]
    assert schedules[0].limit_group == schedules[1].limit_group is not None
    assert schedules[0].limit_group.max_doses == 4


def test_times_tied_to_the_day_follow_the_routine(browser: Client, patient: Patient) -> None:
    response = browser.post("/medications/new", form_data(
        anchored="30 min before breakfast\nat bedtime x2"))
    assert response.status_code == 302
    assert [(t["at"], t["anchor"], t["offset"]) for t in saved().times] == [
        ("07:00", "breakfast", -30), ("22:30", "bedtime", 0)]
    response = browser.post("/settings/day", {"wake": "06:30", "breakfast": "08:00",
                                              "lunch": "12:30", "dinner": "19:00",
                                              "bedtime": "23:15"})
    assert response.status_code == 302
    assert DayRoutine.objects.get(patient=patient).breakfast == time(8, 0)
    assert [t["at"] for t in saved().times] == ["07:30", "23:15"]
    edit = browser.get(f"/medications/{saved().medication_id}/edit").content.decode()
    assert "30 min before breakfast x1" in edit and "at bedtime x2" in edit


def test_a_day_that_pushes_a_dose_out_of_the_day_is_refused(browser: Client,
                                                            patient: Patient) -> None:
    browser.post("/medications/new", form_data(anchored="90 min before breakfast"))
    response = browser.post("/settings/day", {"wake": "00:30", "breakfast": "01:00",
                                              "lunch": "12:30", "dinner": "19:00",
                                              "bedtime": "23:15"})
    assert response.status_code == 200
    assert "Nothing was changed" in response.content.decode()
    assert saved().times[0]["at"] == "06:00"
