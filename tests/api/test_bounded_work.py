"""No input makes a request's work grow without bound: times per day and medications per
patient are capped with clear errors, date ranges are bounded, and planning doses costs one
wall-clock conversion per candidate instant (not one per instant and time of day)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
import time_machine

from pulserx.api import ical
from pulserx.reminders import schedule as schedule_math
from pulserx.reminders.clock import patient_zone
from pulserx.reminders.models import MAX_MEDICATIONS_PER_PATIENT, Medication, Schedule
from pulserx.reminders.planning import doses_between
from tests.api.conftest import API
from tests.factories import medication

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
EVERY_HOUR = [f"{hour:02d}:00" for hour in range(24)]


def body(times: list[str]) -> dict[str, Any]:
    return {"name": "Metformin", "schedule": {"times": [{"at": at} for at in times]}}


@time_machine.travel(NOW, tick=False)
def test_the_api_refuses_more_than_24_times_a_day(api, patient):
    times = [f"{minute // 60:02d}:{minute % 60:02d}" for minute in range(0, 1440, 60)]
    response = api.post(f"{API}/medications", body([*times, "23:30"]),
                        content_type="application/json")

    assert response.status_code == 422, response.content
    [error] = response.json()["detail"]
    assert error["loc"][:4] == ["body", "payload", "schedule", "times"]
    assert "at most 24" in error["msg"]
    assert not Medication.objects.exists()
    assert api.post(f"{API}/medications", body(times),
                    content_type="application/json").status_code == 201


@time_machine.travel(NOW, tick=False)
def test_a_patient_cannot_hold_more_than_the_medication_cap(api, patient):
    for _ in range(MAX_MEDICATIONS_PER_PATIENT):
        Medication.objects.create(patient=patient, name="Vitamin D")

    response = api.post(f"{API}/medications", body(["08:00"]), content_type="application/json")

    assert response.status_code == 409, response.content
    assert f"At most {MAX_MEDICATIONS_PER_PATIENT} medications" in response.json()["detail"]
    assert Medication.objects.count() == MAX_MEDICATIONS_PER_PATIENT
    assert not Schedule.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_the_form_refuses_a_medication_past_the_cap(patient, client):
    client.force_login(patient.user)
    for _ in range(MAX_MEDICATIONS_PER_PATIENT):
        Medication.objects.create(patient=patient, name="Vitamin D")

    response = client.post("/medications/new", {
        "name": "Metformin", "form": "tablet", "recurrence": "daily", "time": ["08:00"],
        "amount": ["1"], "start_date": "2027-03-01"}, secure=True)

    assert response.status_code == 200
    assert f"At most {MAX_MEDICATIONS_PER_PATIENT} medications" in response.content.decode()
    assert Medication.objects.count() == MAX_MEDICATIONS_PER_PATIENT


def counting(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count every wall-clock -> UTC conversion the schedule math makes."""
    calls = [0]
    real: Callable[[date, time, Any], datetime] = schedule_math.to_utc

    def to_utc(day: date, wall: time, zone: Any) -> datetime:
        calls[0] += 1
        return real(day, wall, zone)

    monkeypatch.setattr(schedule_math, "to_utc", to_utc)
    monkeypatch.setattr("pulserx.reminders.planning.to_utc", to_utc, raising=False)
    return calls


def test_planning_doses_is_linear_in_times_per_day(patient, monkeypatch):
    med = medication(patient, *EVERY_HOUR, start=date(2027, 1, 1))
    zone = patient_zone(patient)
    after = datetime(2027, 3, 1, tzinfo=UTC)
    calls = counting(monkeypatch)

    doses = doses_between(med.schedule, zone, after, after + timedelta(days=92))

    assert len(doses) == 24 * 92
    # One conversion per candidate (time, day): the 92 days plus the two margin days.
    assert calls[0] <= 24 * (92 + 3)


@pytest.mark.parametrize("query", ["from=0001-01-01", "from=9999-12-31",
                                   "from=2027-03-01&to=9999-12-31", "to=0001-01-01"])
@time_machine.travel(NOW, tick=False)
def test_dose_list_dates_out_of_range_are_422s(api, patient, query):
    response = api.get(f"{API}/doses?{query}")

    assert response.status_code == 422, response.content
    assert response.json()["detail"][0]["loc"][0] == "query"


@time_machine.travel(NOW, tick=False)
def test_the_calendar_feed_stops_at_its_event_limit(patient, client, monkeypatch):
    monkeypatch.setattr(ical, "FEED_EVENT_LIMIT", 50)
    medication(patient, *EVERY_HOUR, start=date(2027, 1, 1))

    response = client.get(f"/calendar/{patient.calendar_token}.ics", secure=True)

    assert response.status_code == 200
    assert response.content.decode().count("BEGIN:VEVENT") == 50
