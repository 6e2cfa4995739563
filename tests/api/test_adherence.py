"""Adherence figures over the API, on a history crafted dose by dose."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import time_machine

from pulserx.reminders.models import DoseStatus
from tests import factories as make
from tests.api.conftest import API

NOW = datetime(2027, 3, 20, 12, 0, tzinfo=UTC)


@time_machine.travel(NOW, tick=False)
def test_counts_and_rate_over_7_and_30_days(api, patient, other_patient):
    metformin = make.medication(patient, "08:00", start=date(2027, 1, 1))
    statin = make.medication(patient, "21:00", start=date(2027, 1, 1), name="Atorvastatin")
    days_ago = lambda n, hour=8: NOW.replace(hour=hour) - timedelta(days=n)  # noqa: E731
    for n in range(5):
        make.dose(metformin, days_ago(n), DoseStatus.TAKEN)
    make.dose(metformin, days_ago(5), DoseStatus.SKIPPED)
    make.dose(statin, days_ago(1, 21), DoseStatus.MISSED)
    make.dose(statin, days_ago(2, 21), DoseStatus.MISSED)
    make.dose(statin, days_ago(3, 21), DoseStatus.TAKEN)
    make.dose(statin, days_ago(0) - timedelta(hours=1), DoseStatus.NOTIFIED)  # open
    make.dose(metformin, days_ago(10), DoseStatus.TAKEN)  # only in the 30 days
    make.dose(metformin, days_ago(40), DoseStatus.MISSED)  # in neither
    make.dose(statin, days_ago(-1, 21), DoseStatus.SCHEDULED)  # tomorrow: not yet
    make.dose(None, days_ago(0), DoseStatus.MISSED, patient=patient)  # a test reminder: not counted
    other = make.medication(other_patient, "08:00", start=date(2027, 1, 1))
    make.dose(other, days_ago(1), DoseStatus.MISSED)

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
