"""Medications with their schedule over the API: one request, one transaction, clear 422s."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
import time_machine

from pulserx.reminders.clock import patient_zone
from pulserx.reminders.models import Dose, DoseStatus, Medication, Schedule
from pulserx.reminders.schedule import next_occurrence
from tests import factories as make
from tests.api.conftest import API

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)  # 09:00 in London (GMT)


def payload(**schedule: Any) -> dict[str, Any]:
    return {"name": "Metformin", "strength": "500 mg", "stock": 30,
            "schedule": {"times": [{"at": "20:00", "amount": 2}, {"at": "08:00"}], **schedule}}


@time_machine.travel(NOW, tick=False)
def test_creating_a_medication_plans_its_first_reminder(api, patient):
    response = api.post(f"{API}/medications", payload(), content_type="application/json")

    assert response.status_code == 201, response.content
    body = response.json()
    schedule = Schedule.objects.get(medication_id=body["id"])
    expected = next_occurrence(schedule.plan(), patient_zone(schedule.patient), NOW)
    assert schedule.next_due_at == expected == datetime(2027, 3, 1, 20, 0, tzinfo=UTC)
    assert schedule.start_date == date(2027, 3, 1)  # today in the patient's clock
    assert schedule.times == [{"at": "08:00", "amount": "1"}, {"at": "20:00", "amount": "2"}]
    assert body["schedule"]["times"] == [{"at": "08:00", "amount": 1}, {"at": "20:00", "amount": 2}]
    assert body["schedule"]["next_due_at"] == "2027-03-01T20:00:00Z"
    assert body["stock"] == 30 and body["form"] == "tablet" and body["paused"] is False
    assert api.get(f"{API}/medications/{body['id']}").json() == body
    assert [m["id"] for m in api.get(f"{API}/medications").json()] == [body["id"]]


def error_locations(response: Any) -> list[tuple[Any, ...]]:
    return [tuple(error["loc"]) for error in response.json()["detail"]]


@pytest.mark.parametrize(("schedule", "field", "words"), [
    ({"start_date": "2027-03-10", "end_date": "2027-03-09"}, "end_date", "before start"),
    ({"times": [{"at": "08:00"}, {"at": "08:00", "amount": 2}]}, "times", "duplicates"),
    ({"recurrence": "interval", "every_days": 0}, "every_days", "greater than or equal to 1"),
    ({"times": [{"at": "8am"}]}, "times", "HH:MM"),
    ({"times": [{"at": "24:00"}]}, "times", "HH:MM"),
    ({"times": [{"at": "08:00", "amount": 0}]}, "times", "must be from 0.01"),
    ({"times": []}, "times", "at least one time of day"),
    ({"recurrence": "weekdays"}, "weekdays", "at least one weekday"),
    ({"recurrence": "weekdays", "weekdays": [7]}, "weekdays", "less than or equal to 6"),
    ({"recurrence": "cycle", "days_on": 0, "days_off": 7}, "days_on", "days_on >= 1"),
    ({"recurrence": "fortnightly"}, "recurrence", "daily"),
])
@time_machine.travel(NOW, tick=False)
def test_an_invalid_schedule_is_a_422_naming_the_field_and_writes_nothing(
        api, patient, schedule, field, words):
    response = api.post(f"{API}/medications", payload(**schedule),
                        content_type="application/json")

    assert response.status_code == 422, response.content
    [error] = response.json()["detail"]
    assert error["loc"][:4] == ["body", "payload", "schedule", field], error
    assert words in error["msg"], error
    assert not Medication.objects.exists() and not Schedule.objects.exists()


@pytest.mark.parametrize(("change", "field"), [
    ({"name": "  "}, "name"), ({"name": "x" * 121}, "name"), ({"stock": -1}, "stock"),
    ({"stock": "1.234"}, "stock"), ({"form": "pill"}, "form"),
])
def test_invalid_medication_fields_are_422s(api, patient, change, field):
    response = api.post(f"{API}/medications", {**payload(), **change},
                        content_type="application/json")

    assert response.status_code == 422
    assert error_locations(response)[0][:3] == ("body", "payload", field)
    assert not Medication.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_patching_the_times_replans_reminders_not_yet_sent(api, patient):
    med = make.medication(patient, "10:00", start=date(2027, 2, 1), stock="30")
    pending = Dose.objects.create(patient=patient, medication=med, schedule=med.schedule,
                                  due_at=datetime(2027, 3, 1, 10, tzinfo=UTC))

    response = api.patch(f"{API}/medications/{med.pk}",
                         {"name": "Metformin XR", "schedule": {"times": [{"at": "12:30"}]}},
                         content_type="application/json")

    assert response.status_code == 200, response.content
    med.refresh_from_db()
    assert med.name == "Metformin XR" and med.stock == 30  # untouched fields kept
    assert med.schedule.start_date == date(2027, 2, 1)
    assert med.schedule.next_due_at == datetime(2027, 3, 1, 12, 30, tzinfo=UTC)
    assert not Dose.objects.filter(pk=pending.pk).exists()


def test_patch_refuses_null_for_a_required_field(api, patient):
    med = make.medication(patient, "10:00", start=date(2027, 2, 1))

    response = api.patch(f"{API}/medications/{med.pk}",
                         {"name": None, "schedule": {"recurrence": None}},
                         content_type="application/json")

    assert response.status_code == 422
    assert error_locations(response) == [("body", "payload", "name")]
    assert Medication.objects.get().name == "Metformin"


def test_patch_may_clear_the_end_date_and_stock(api, patient):
    med = make.medication(patient, "10:00", start=date(2027, 2, 1), end_date=date(2027, 12, 31))

    response = api.patch(f"{API}/medications/{med.pk}",
                         {"stock": None, "schedule": {"end_date": None}},
                         content_type="application/json")

    assert response.status_code == 200
    med.refresh_from_db()
    assert med.stock is None and med.schedule.end_date is None


def test_a_patch_that_breaks_the_schedule_changes_nothing(api, patient):
    med = make.medication(patient, "10:00", start=date(2027, 2, 1))

    response = api.patch(f"{API}/medications/{med.pk}",
                         {"name": "Renamed", "schedule": {"end_date": "2027-01-01"}},
                         content_type="application/json")

    assert response.status_code == 422
    assert error_locations(response) == [("body", "payload", "schedule", "end_date")]
    med.refresh_from_db()
    assert med.name == "Metformin" and med.schedule.end_date is None


@time_machine.travel(NOW, tick=False)
def test_put_replaces_everything_but_keeps_the_start_date(api, patient):
    med = make.medication(patient, "10:00", start=date(2027, 2, 1))

    response = api.put(f"{API}/medications/{med.pk}",
                       {"name": "Lisinopril", "schedule": {
                           "recurrence": "weekdays", "weekdays": [0, 2],
                           "times": [{"at": "07:15"}]}},
                       content_type="application/json")

    assert response.status_code == 200, response.content
    med.refresh_from_db()
    assert (med.name, med.strength, med.stock) == ("Lisinopril", "", None)
    schedule = med.schedule
    assert (schedule.recurrence, schedule.weekdays, schedule.start_date) == (
        "weekdays", [0, 2], date(2027, 2, 1))
    # 1 March 2027 is a Monday, but 07:15 has passed: next is Wednesday.
    assert schedule.next_due_at == datetime(2027, 3, 3, 7, 15, tzinfo=UTC)


@time_machine.travel(NOW, tick=False)
def test_pause_and_resume(api, patient):
    med = make.medication(patient, "10:00", start=date(2027, 2, 1))
    waiting = Dose.objects.create(patient=patient, medication=med, schedule=med.schedule,
                                  due_at=NOW, status=DoseStatus.NOTIFIED, next_action_at=NOW)

    paused = api.post(f"{API}/medications/{med.pk}/pause")

    assert paused.status_code == 200
    assert paused.json()["paused"] is True and paused.json()["schedule"]["next_due_at"] is None
    waiting.refresh_from_db()
    assert waiting.next_action_at is None
    resumed = api.post(f"{API}/medications/{med.pk}/resume").json()
    assert resumed["paused"] is False
    assert resumed["schedule"]["next_due_at"] == "2027-03-01T10:00:00Z"


def test_delete_removes_the_medication_and_its_history(api, patient):
    med = make.medication(patient, "10:00", start=date(2027, 2, 1))
    Dose.objects.create(patient=patient, medication=med, schedule=med.schedule,
                        due_at=datetime(2027, 2, 1, 10, tzinfo=UTC), status=DoseStatus.TAKEN)

    assert api.delete(f"{API}/medications/{med.pk}").status_code == 204

    assert not Medication.objects.exists() and not Dose.objects.exists()
    assert api.get(f"{API}/medications/{med.pk}").status_code == 404


def test_as_needed_has_no_reminders(api, patient):
    response = api.post(f"{API}/medications", {
        "name": "Ibuprofen", "schedule": {"recurrence": "as_needed"}},
        content_type="application/json")

    assert response.status_code == 201, response.content
    assert response.json()["schedule"]["next_due_at"] is None


def test_a_dose_time_is_a_wall_time_not_an_instant(api, patient):
    response = api.post(f"{API}/medications", payload(times=[{"at": "08:00+01:00"}]),
                        content_type="application/json")

    assert response.status_code == 422
