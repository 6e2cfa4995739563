"""The medication form saves only the times the patient chose: nothing pre-filled becomes a
dose, and plain times given beside times tied to the day are saved once the patient has seen
the day's doses they make and said yes."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.test import Client

from pulserx.accounts.models import Patient
from pulserx.reminders.models import Medication, Schedule

NOW = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_clock() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def form_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Zopiclone", "strength": "7.5 mg", "form": "tablet", "instructions": "",
        "stock": "", "refill_threshold": "", "recurrence": "daily", "every_days": "2",
        "days_on": "21", "days_off": "7", "start_date": "2025-06-02", "end_date": "",
        "time": [""], "amount": ["1"], "interval_from": "scheduled", "continue_last_phase": "0",
        "limit_period_hours": "24", "dose_amount": "1",
    }
    data.update(changes)
    return data


def time_values(page: str) -> list[str]:
    rows = page.split("<template")[0]
    return re.findall(r'name="time" value="([^"]*)"', rows)


def test_a_new_medication_has_no_time_filled_in(patient_client: Client, patient: Patient):
    page = patient_client.get("/medications/new").content.decode()
    assert time_values(page) == [""]


def test_bedtime_alone_saves_one_dose_a_day(patient_client: Client, patient: Patient):
    response = patient_client.post("/medications/new", form_data(anchored="at bedtime"))
    assert response.status_code == 302
    assert [t["at"] for t in Schedule.objects.get().times] == ["22:30"]


def test_both_kinds_of_time_show_the_days_doses_and_save_nothing_until_confirmed(
        patient_client: Client, patient: Patient):
    data = form_data(time=["08:00"], amount=["1"], anchored="at bedtime")
    response = patient_client.post("/medications/new", data)

    assert response.status_code == 200
    assert not Medication.objects.exists()
    page = response.content.decode()
    assert "Check the day's doses" in page
    assert "<strong>08:00</strong>, 1 (Times of day)" in page
    assert "<strong>22:30</strong>, 1 (at bedtime)" in page
    assert 'name="confirm_times" value="08:00x1,22:30x1"' in page
    assert time_values(page) == ["08:00"]  # what was typed stays to be changed

    response = patient_client.post("/medications/new", {**data,
                                                        "confirm_times": "08:00x1,22:30x1"})
    assert response.status_code == 302
    assert [t["at"] for t in Schedule.objects.get().times] == ["08:00", "22:30"]


def test_a_yes_to_another_list_of_doses_asks_again(patient_client: Client, patient: Patient):
    data = form_data(time=["09:00"], amount=["1"], anchored="at bedtime",
                     confirm_times="08:00x1,22:30x1")
    response = patient_client.post("/medications/new", data)
    assert response.status_code == 200
    assert 'value="09:00x1,22:30x1"' in response.content.decode()
    assert not Medication.objects.exists()


def test_editing_shows_a_time_tied_to_the_day_only_under_its_words(patient_client: Client,
                                                                   patient: Patient):
    patient_client.post("/medications/new", form_data(anchored="at bedtime x2"))
    medication = Medication.objects.get()
    page = patient_client.get(f"/medications/{medication.pk}/edit").content.decode()
    assert time_values(page) == [""]
    assert "at bedtime x2" in page
    response = patient_client.post(f"/medications/{medication.pk}/edit",
                                   form_data(anchored="at bedtime x2"))
    assert response.status_code == 302
    assert Schedule.objects.get().times == [
        {"at": "22:30", "amount": "2", "anchor": "bedtime", "offset": 0}]


def test_fields_a_kind_needs_are_not_called_optional(patient_client: Client,
                                                     patient: Patient):
    page = patient_client.get("/medications/new").content.decode()
    for field in ("every_hours", "first_at", "phases"):
        label = re.search(rf'<label for="id_{field}">(.*?)</label>', page, re.S)
        assert label and "(optional)" not in label.group(1), field
    label = re.search(r'<label for="id_dose_count">(.*?)</label>', page, re.S)
    assert label and "(optional)" in label.group(1)
