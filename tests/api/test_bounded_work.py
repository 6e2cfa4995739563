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
from pulserx.reminders.planning import doses_between, replan
from tests.api.conftest import API
from tests.factories import busy_account, medication

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


def counting_planned(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count every dose the planning expands."""
    from pulserx.reminders import planning

    planned = [0]
    real = planning.doses_between

    def doses_between_counted(*args: Any, **kwargs: Any) -> list[Any]:
        found = real(*args, **kwargs)
        planned[0] += len(found)
        return found

    monkeypatch.setattr(planning, "doses_between", doses_between_counted)
    return planned


@time_machine.travel(NOW, tick=False)
def test_the_calendar_feed_plans_no_more_than_it_returns(patient, client, monkeypatch):
    monkeypatch.setattr(ical, "FEED_EVENT_LIMIT", 200)
    busy_account(patient, medications=10)  # 40 doses an hour, 28,800 in the feed's 30 days
    planned = counting_planned(monkeypatch)

    response = client.get(f"/calendar/{patient.calendar_token}.ics", secure=True)

    assert response.content.decode().count("BEGIN:VEVENT") == 200
    assert planned[0] <= 2 * 200


def doses_of(response: Any) -> list[tuple[int, str]]:
    return [(dose["medication_id"], dose["due_at"]) for dose in response.json()]


@time_machine.travel(NOW, tick=False)
def test_the_dose_list_is_bounded_and_pages_through_everything(api, patient, monkeypatch):
    busy_account(patient, medications=10)  # 960 doses a day
    planned = counting_planned(monkeypatch)
    listed: list[tuple[int, str]] = []
    url: str | None = f"{API}/doses?from=2027-03-02&to=2027-03-04&limit=700"
    pages = 0
    while url:
        planned[0] = 0
        response = api.get(url)
        assert response.status_code == 200, response.content[:300]
        assert len(response.json()) <= 700 and planned[0] <= 2 * 700
        listed += doses_of(response)
        link = response.get("Link")
        url = link[1:link.index(">")] if link else None
        pages += 1

    assert pages == 5  # 2,880 doses
    assert len(listed) == len(set(listed)) == 3 * 960
    assert listed == sorted(listed, key=lambda dose: dose[1])


@time_machine.travel(NOW, tick=False)
def test_the_dose_list_answers_at_most_its_page_by_default(api, patient):
    from pulserx.api.doses import MAX_PAGE

    busy_account(patient, medications=10)

    response = api.get(f"{API}/doses?from=2027-03-02&to=2027-03-04")

    assert len(response.json()) == MAX_PAGE
    assert 'rel="next"' in response["Link"]


@time_machine.travel(NOW, tick=False)
def test_a_fhir_import_cannot_pass_the_medication_cap(api, patient):
    import json

    for _ in range(MAX_MEDICATIONS_PER_PATIENT - 1):
        Medication.objects.create(patient=patient, name="Vitamin D")
    request = {"resourceType": "MedicationRequest", "status": "active", "intent": "order",
               "medicationCodeableConcept": {"text": "Metformin"},
               "dosageInstruction": [{"timing": {"repeat": {
                   "frequency": 1, "period": 1, "periodUnit": "d", "timeOfDay": ["08:00:00"]}}}]}
    bundle = {"resourceType": "Bundle", "type": "collection",
              "entry": [{"resource": request}, {"resource": request}]}

    refused = api.post(f"{API}/fhir/MedicationRequest", json.dumps(bundle),
                       content_type="application/fhir+json")
    fits = api.post(f"{API}/fhir/MedicationRequest", json.dumps(request),
                    content_type="application/fhir+json")

    assert refused.status_code == 422, refused.content[:300]
    assert f"At most {MAX_MEDICATIONS_PER_PATIENT} medications" in refused.json()["detail"]
    assert fits.status_code == 201
    assert Medication.objects.count() == MAX_MEDICATIONS_PER_PATIENT


def test_no_way_of_saving_a_medication_passes_the_cap(patient):
    from pulserx.reminders.models import MedicationLimitError

    for _ in range(MAX_MEDICATIONS_PER_PATIENT):
        Medication.objects.create(patient=patient, name="Vitamin D")

    with pytest.raises(MedicationLimitError):
        Medication.objects.create(patient=patient, name="One too many")


@time_machine.travel(datetime(2027, 3, 2, 15, 0, tzinfo=UTC), tick=False)
def test_a_busy_days_today_page_lists_a_bounded_slice_from_an_hour_ago(client, patient,
                                                                        monkeypatch):
    from pulserx.web.day import DAY_LIMIT

    busy_account(patient, medications=10)  # 960 doses a day
    planned = counting_planned(monkeypatch)
    client.force_login(patient.user)

    page = client.get("/", secure=True).content.decode()

    assert page.count('class="dose-row') <= DAY_LIMIT
    assert f"more than {DAY_LIMIT} doses" in page
    import re
    times = re.findall(r"<time datetime=\"[^\"]+\">(\d\d:\d\d)</time>", page)
    assert "14:00" <= times[0] <= "15:15", times[:5]  # (no dispatcher stored the past hour)
    assert planned[0] <= 4 * DAY_LIMIT


def daily(patient, count: int) -> None:  # type: ignore[no-untyped-def]
    for n in range(count):
        med = Medication.objects.create(patient=patient, name=f"Medication {n}")
        replan(Schedule.objects.create(patient=patient, medication=med,
                                       start_date=NOW.date(),
                                       times=[{"at": "10:00", "amount": "1"},
                                              {"at": "10:30", "amount": "1"}]))


@time_machine.travel(NOW, tick=False)
def test_a_page_boundary_holds_when_the_worker_prepares_doses_between_pages(api, patient):
    """Ten doses share each instant and the first page ends inside one, where five doses
    are already rows and five only planned. The dispatcher then prepares those five before
    the second page is asked for: the two pages still list every dose once, in order."""
    from pulserx.reminders.planning import materialise_upcoming

    daily(patient, 5)
    materialise_upcoming(NOW, timedelta(hours=2))
    daily(patient, 5)
    first = api.get(f"{API}/doses?limit=15")
    link = first["Link"]
    materialise_upcoming(NOW, timedelta(hours=2))
    second = api.get(link[1:link.index(">")])
    everything = doses_of(api.get(f"{API}/doses?limit=30"))

    assert len(set(everything)) == len(everything) == 20
    assert doses_of(first) + doses_of(second) == everything
