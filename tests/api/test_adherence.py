"""Adherence figures over the API, on a history crafted dose by dose."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import time_machine

from pulserx.reminders.models import DoseStatus
from tests.api.conftest import API, dose, medication

NOW = datetime(2027, 3, 20, 12, 0, tzinfo=UTC)


@time_machine.travel(NOW, tick=False)
def test_counts_and_rate_over_7_and_30_days(api, patient, other_patient):
    metformin = medication(patient, "08:00", start=date(2027, 1, 1))
    statin = medication(patient, "21:00", start=date(2027, 1, 1), name="Atorvastatin")
    days_ago = lambda n, hour=8: NOW.replace(hour=hour) - timedelta(days=n)  # noqa: E731
    for n in range(5):
        dose(patient, metformin, days_ago(n), DoseStatus.TAKEN)
    dose(patient, metformin, days_ago(5), DoseStatus.SKIPPED)
    dose(patient, statin, days_ago(1, 21), DoseStatus.MISSED)
    dose(patient, statin, days_ago(2, 21), DoseStatus.MISSED)
    dose(patient, statin, days_ago(3, 21), DoseStatus.TAKEN)
    dose(patient, statin, days_ago(0) - timedelta(hours=1), DoseStatus.NOTIFIED)  # open
    dose(patient, metformin, days_ago(10), DoseStatus.TAKEN)  # only in the 30 days
    dose(patient, metformin, days_ago(40), DoseStatus.MISSED)  # in neither
    dose(patient, statin, days_ago(-1, 21), DoseStatus.SCHEDULED)  # tomorrow: not yet
    dose(patient, None, days_ago(0), DoseStatus.MISSED)  # a test reminder does not count
    other = medication(other_patient, "08:00", start=date(2027, 1, 1))
    dose(other_patient, other, days_ago(1), DoseStatus.MISSED)

    week = api.get(f"{API}/adherence?days=7").json()
    month = api.get(f"{API}/adherence?days=30").json()

    assert (week["taken"], week["skipped"], week["missed"], week["pending"]) == (6, 1, 2, 1)
    assert week["rate"] == round(6 / 9, 4)
    assert week["since"] == "2027-03-13T12:00:00Z"
    by_name = {m["name"]: m for m in week["medications"]}
    assert (by_name["Metformin"]["taken"], by_name["Metformin"]["rate"]) == (5, round(5 / 6, 4))
    assert (by_name["Atorvastatin"]["missed"], by_name["Atorvastatin"]["rate"]) == (
        2, round(1 / 3, 4))
    assert (month["taken"], month["skipped"], month["missed"]) == (7, 1, 2)
    assert month["rate"] == 0.7


def test_no_recorded_dose_means_no_rate(api, patient):
    body = api.get(f"{API}/adherence").json()

    assert body["days"] == 7 and body["rate"] is None and body["medications"] == []


def test_only_7_or_30_days(api, patient):
    response = api.get(f"{API}/adherence?days=14")

    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "days"]
