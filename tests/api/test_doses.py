"""Doses over the API: the day's list, take / skip / snooze through the dose actions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import time_machine

from pulserx.reminders.models import Dose, DoseStatus, Medication
from pulserx.reminders.planning import materialise_upcoming
from tests import factories as make
from tests.api.conftest import API

NOW = datetime(2027, 7, 1, 6, 0, tzinfo=UTC)  # 07:00 in London (BST)


@time_machine.travel(NOW, tick=False)
def test_today_lists_stored_and_planned_doses_in_the_patients_clock(api, patient):
    med = make.medication(patient, "06:30", "12:00", "23:30", start=date(2027, 6, 1), amount="2")
    taken = make.dose(med, datetime(2027, 7, 1, 5, 30, tzinfo=UTC), DoseStatus.TAKEN)
    make.dose(med, datetime(2027, 6, 30, 22, 30, tzinfo=UTC), DoseStatus.MISSED)  # yesterday
    test = make.dose(None, NOW - timedelta(minutes=5), DoseStatus.NOTIFIED, patient=patient)

    response = api.get(f"{API}/doses")

    assert response.status_code == 200
    listed = [(d["id"], d["due_at"], d["status"], d["amount"]) for d in response.json()]
    assert listed == [
        (taken.pk, "2027-07-01T05:30:00Z", "taken", 1),
        (test.pk, "2027-07-01T05:55:00Z", "notified", 1),
        (None, "2027-07-01T11:00:00Z", "scheduled", 2),  # planned, not yet a row
        (None, "2027-07-01T22:30:00Z", "scheduled", 2),
    ]
    assert response.json()[0]["medication_name"] == "Metformin"
    assert response.json()[1]["medication_id"] is None
    assert Dose.objects.count() == 3  # listing never writes doses


@time_machine.travel(NOW, tick=False)
def test_a_planned_dose_is_listed_once_when_the_dispatcher_prepares_it(api, patient):
    make.medication(patient, "07:05", start=date(2027, 6, 1))
    materialise_upcoming(NOW, timedelta(minutes=10))

    [listed] = api.get(f"{API}/doses").json()

    assert listed["id"] == Dose.objects.get().pk


@time_machine.travel(NOW, tick=False)
def test_a_range_and_a_status_filter(api, patient):
    med = make.medication(patient, "09:00", start=date(2027, 6, 1))
    for day, status in ((28, DoseStatus.TAKEN), (29, DoseStatus.SKIPPED), (30, DoseStatus.TAKEN)):
        make.dose(med, datetime(2027, 6, day, 8, tzinfo=UTC), status)

    taken = api.get(f"{API}/doses?from=2027-06-28&to=2027-06-30&status=taken").json()
    both = api.get(f"{API}/doses?from=2027-06-29&to=2027-07-02&status=skipped&status=scheduled")

    assert [d["due_at"][:10] for d in taken] == ["2027-06-28", "2027-06-30"]
    assert [(d["due_at"][:10], d["status"]) for d in both.json()] == [
        ("2027-06-29", "skipped"), ("2027-07-01", "scheduled"), ("2027-07-02", "scheduled")]


def test_a_backwards_or_huge_range_is_a_422(api, patient):
    backwards = api.get(f"{API}/doses?from=2027-06-28&to=2027-06-27")
    huge = api.get(f"{API}/doses?from=2027-01-01&to=2027-12-31")
    garbage = api.get(f"{API}/doses?from=yesterday")

    for response in (backwards, huge, garbage):
        assert response.status_code == 422
    assert backwards.json()["detail"][0]["loc"] == ["query", "to"]
    assert garbage.json()["detail"][0]["loc"] == ["query", "from"]


@time_machine.travel(NOW, tick=False)
def test_taking_lowers_the_stock_and_a_second_take_is_a_409(api, patient):
    med = make.medication(patient, "06:30", start=date(2027, 6, 1), stock="10")
    due = make.dose(med, datetime(2027, 7, 1, 5, 30, tzinfo=UTC), amount="2")

    first = api.post(f"{API}/doses/{due.pk}/take")
    second = api.post(f"{API}/doses/{due.pk}/take")

    assert first.status_code == 200
    assert first.json()["status"] == "taken" and first.json()["acted_at"] == "2027-07-01T06:00:00Z"
    assert Medication.objects.get().stock == Decimal(8)
    assert second.status_code == 409
    assert second.json() == {"detail": "Already taken by alex at 07:00."}  # London, summer
    assert Medication.objects.get().stock == Decimal(8)
    due.refresh_from_db()
    assert due.acted_by == patient.user


@time_machine.travel(NOW, tick=False)
def test_skip_records_without_touching_the_stock(api, patient):
    med = make.medication(patient, "06:30", start=date(2027, 6, 1), stock="10")
    due = make.dose(med, datetime(2027, 7, 1, 5, 30, tzinfo=UTC))

    response = api.post(f"{API}/doses/{due.pk}/skip")

    assert response.status_code == 200 and response.json()["status"] == "skipped"
    assert Medication.objects.get().stock == Decimal(10)
    assert api.post(f"{API}/doses/{due.pk}/take").status_code == 409


@time_machine.travel(NOW, tick=False)
def test_snooze_offers_10_30_or_60_minutes_for_a_due_dose(api, patient):
    med = make.medication(patient, "06:30", start=date(2027, 6, 1))
    due = make.dose(med, datetime(2027, 7, 1, 5, 30, tzinfo=UTC))
    later = make.dose(med, datetime(2027, 7, 1, 11, tzinfo=UTC), DoseStatus.SCHEDULED)

    odd = api.post(f"{API}/doses/{due.pk}/snooze", {"minutes": 15},
                   content_type="application/json")
    not_due = api.post(f"{API}/doses/{later.pk}/snooze", {"minutes": 10},
                       content_type="application/json")
    snoozed = api.post(f"{API}/doses/{due.pk}/snooze", {"minutes": 30},
                       content_type="application/json")

    assert odd.status_code == 422
    assert odd.json()["detail"][0]["loc"] == ["body", "payload", "minutes"]
    assert "10, 30 or 60 minutes" in odd.json()["detail"][0]["msg"]
    assert not_due.status_code == 409
    assert not_due.json() == {"detail": "Only a dose that is due can be snoozed."}
    assert snoozed.status_code == 200
    assert snoozed.json()["status"] == "scheduled"
    assert snoozed.json()["snoozed_until"] == "2027-07-01T06:30:00Z"


@time_machine.travel(NOW, tick=False)
def test_a_test_reminder_is_a_dose_without_a_medication(api, patient):
    response = api.post(f"{API}/test-reminder")

    assert response.status_code == 201
    body = response.json()
    assert body["medication_id"] is None and body["status"] == "scheduled"
    assert Dose.objects.get(pk=body["id"]).due_at == NOW + timedelta(seconds=5)


def test_acting_on_a_dose_that_does_not_exist_is_a_404(api, patient):
    assert api.post(f"{API}/doses/999999/take").status_code == 404
