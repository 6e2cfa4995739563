"""The newer kinds through the medications API: created, checked, returned."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine

from pulserx.accounts.models import Patient
from tests.api.conftest import token_client

NOW = datetime(2026, 6, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def create(patient: Patient, schedule: dict[str, Any]) -> Any:
    return token_client(patient).post("/api/v1/medications", {
        "name": "Amoxicillin", "schedule": schedule}, content_type="application/json")


def test_every_8_hours_is_created_and_planned(patient: Patient) -> None:
    response = create(patient, {"recurrence": "every_hours", "every_minutes": 480,
                                "anchor_at": "2026-06-02T13:00:00Z", "dose_amount": 2})
    assert response.status_code == 201
    schedule = response.json()["schedule"]
    assert schedule["next_due_at"] == "2026-06-02T13:00:00Z"
    assert (schedule["every_minutes"], schedule["dose_amount"]) == (480, 2)


def test_every_hours_without_a_first_dose_is_a_422_naming_the_field(patient: Patient) -> None:
    response = create(patient, {"recurrence": "every_hours", "every_minutes": 480})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "every_minutes"


def test_a_waking_window_with_one_end_is_a_422_that_says_so(patient: Patient) -> None:
    response = create(patient, {"recurrence": "every_hours", "every_minutes": 240,
                                "anchor_at": "2026-06-02T13:00:00Z", "window_end": "20:00"})
    assert response.status_code == 422
    assert "both ends of the waking window" in response.json()["detail"][0]["msg"]


def test_a_first_dose_with_a_far_offset_is_stored_in_utc_and_year_10_refused(
        patient: Patient) -> None:
    far = create(patient, {"recurrence": "every_hours", "every_minutes": 480,
                           "anchor_at": "2026-06-02T23:00:00-16:27"})
    assert far.status_code == 201
    assert far.json()["schedule"]["anchor_at"] == "2026-06-03T15:27:00Z"
    ancient = create(patient, {"recurrence": "every_hours", "every_minutes": 480,
                               "anchor_at": "0010-03-02T16:58:44-16:27"})
    assert ancient.status_code == 422


def test_instants_at_the_edges_of_the_range_are_read_as_written(patient: Patient) -> None:
    """The schema's pattern reads the year as written: 2000-01-01 at +01:00 is in range
    although it is still 1999 in UTC, and so is the last evening of 2199 at -15:00."""
    for anchor in ("2000-01-01T00:00:00+01:00", "2199-12-31T23:00:00-15:00"):
        response = create(patient, {"recurrence": "every_hours", "every_minutes": 480,
                                    "anchor_at": anchor})
        assert response.status_code == 201, response.content
    assert create(patient, {"recurrence": "every_hours", "every_minutes": 480,
                            "anchor_at": "1999-12-31T23:00:00-01:00"}).status_code == 422


def test_a_taper_is_created_with_its_phases(patient: Patient) -> None:
    response = create(patient, {"recurrence": "taper", "start_date": "2026-06-03", "phases": [
        {"days": 5, "times": [{"at": "08:00", "amount": 4}]},
        {"days": 5, "times": [{"at": "08:00", "amount": 2}]}]})
    assert response.status_code == 201
    schedule = response.json()["schedule"]
    assert schedule["phases"][1] == {"days": 5, "times": [{"at": "08:00", "amount": 2}]}
    assert schedule["next_due_at"] == "2026-06-03T07:00:00Z"


def test_a_taper_phase_with_too_many_times_is_a_422_and_saves_nothing(
        patient: Patient) -> None:
    """Found by schemathesis: a phase with 25 times a day was saved, then failed to plan."""
    times = [{"at": f"{hour:02d}:{minute:02d}"} for hour in range(24) for minute in (0, 30)]
    response = create(patient, {"recurrence": "taper", "start_date": "2026-06-03", "phases": [
        {"days": 5, "times": [{"at": "08:00"}]}, {"days": 5, "times": times[:25]}]})
    assert response.status_code == 422
    assert "at most 24 times of day" in response.json()["detail"][0]["msg"]
    assert not patient.medications.exists()


def test_as_needed_limits_are_stored(patient: Patient) -> None:
    response = create(patient, {"recurrence": "as_needed", "max_doses": 4,
                                "min_gap_minutes": 240})
    assert response.status_code == 201
    schedule = response.json()["schedule"]
    assert (schedule["max_doses"], schedule["min_gap_minutes"],
            schedule["limit_period_hours"]) == (4, 240, 24)


def test_a_taper_whose_first_morning_has_passed_is_a_422_naming_the_start(
        patient: Patient) -> None:
    response = create(patient, {"recurrence": "taper", "start_date": "2026-06-02", "phases": [
        {"days": 3, "times": [{"at": "08:00", "amount": 2}, {"at": "20:00", "amount": 2}]}]})
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert detail["loc"][-1] == "start_date"
    assert "08:00 has already passed, so the first step would have 1 of its 2" in detail["msg"]
    assert not patient.medications.exists()


def test_a_course_of_doses_counts_from_the_next_one(patient: Patient) -> None:
    response = create(patient, {"recurrence": "every_hours", "every_minutes": 480,
                                "anchor_at": "2026-06-02T05:00:00Z", "dose_count": 21})
    assert response.status_code == 201
    assert response.json()["schedule"]["next_due_at"] == "2026-06-02T13:00:00Z"
