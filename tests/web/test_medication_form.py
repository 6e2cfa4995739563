"""Adding and editing a medication with its schedule: validation beside each field, one
transaction, and the reminders re-planned at once."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.test import Client

from pulserx.accounts.models import Patient
from pulserx.reminders import medications
from pulserx.reminders.models import Dose, DoseStatus, Medication, Schedule
from tests import factories as make

NOW = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)  # 10:00 in London


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def form_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Metformin", "strength": "500 mg", "form": "tablet", "instructions": "",
        "stock": "30", "refill_threshold": "5", "recurrence": "daily", "weekdays": [],
        "every_days": "2", "days_on": "21", "days_off": "7", "start_date": "2025-06-02",
        "end_date": "", "time": ["08:00", "20:00"], "amount": ["1", "2"],
    }
    data.update(changes)
    return data


def counts() -> tuple[int, int, int]:
    return Medication.objects.count(), Schedule.objects.count(), Dose.objects.count()


def error_beside(page: str, anchor: str) -> str:
    """The error list that follows `anchor` (a field's input) before the next field."""
    start = page.index(anchor)
    end = page.find('<div class="field', start)
    chunk = page[start:end if end != -1 else None]
    match = re.search(r'<ul class="errorlist"[^>]*>(.*?)</ul>', chunk, re.S)
    assert match, f"no error beside {anchor!r}"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def test_adding_saves_medication_and_schedule_and_plans_the_next_dose(
        patient_client: Client, patient: Patient):
    response = patient_client.post("/medications/new", form_data(
        time=["20:00", "08:00", ""], amount=["2", "1", "1"]))

    assert response.status_code == 302 and response["Location"] == "/medications/"
    medication = Medication.objects.get(patient=patient)
    assert (medication.name, medication.stock) == ("Metformin", Decimal(30))
    schedule = medication.schedule
    assert schedule.times == [{"at": "08:00", "amount": "1"}, {"at": "20:00", "amount": "2"}]
    assert schedule.next_due_at == datetime(2025, 6, 2, 19, 0, tzinfo=UTC)  # 20:00 BST


@pytest.mark.parametrize(("changes", "anchor", "message"), [
    ({"time": ["25:00"], "amount": ["1"]}, 'value="25:00"', "“25:00” is not a time of day"),
    ({"time": ["08:00", "8:00"], "amount": ["1", "1"]}, 'value="8:00"',
     "08:00 is already in the list"),
    ({"time": ["08:00"], "amount": ["0"]}, 'name="amount" inputmode="decimal" value="0"',
     "a number above 0"),
    ({"end_date": "2025-06-01"}, 'name="end_date"', "The last day is before the first day"),
    ({"recurrence": "interval", "every_days": "0"}, 'name="every_days"',
     "Repeat every 1 day or more"),
    ({"recurrence": "weekdays", "weekdays": []}, 'data-recurrence-for="weekdays"',
     "Choose at least one day of the week"),
    ({"recurrence": "cycle", "days_on": "0"}, 'name="days_on"',
     "A cycle needs at least 1 day on"),
    ({"stock": "-1"}, 'name="stock"', "Stock cannot be negative"),
    ({"refill_threshold": "-2"}, 'name="refill_threshold"', "cannot be negative"),
    ({"name": ""}, 'name="name"', "Give the medication a name"),
    ({"start_date": "someday"}, 'name="start_date"', "Enter a date like"),
])
def test_bad_input_is_shown_beside_the_field_and_nothing_is_saved(
        patient_client: Client, patient: Patient, changes: dict[str, Any], anchor: str,
        message: str):
    before = counts()

    response = patient_client.post("/medications/new", form_data(**changes))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was saved" in page
    assert message in error_beside(page, anchor)
    assert counts() == before


def test_no_time_at_all_for_a_scheduled_medication(patient_client: Client, patient: Patient):
    response = patient_client.post("/medications/new", form_data(time=["", ""],
                                                                 amount=["1", "1"]))

    page = response.content.decode()
    assert "Add at least one time of day." in page
    assert counts() == (0, 0, 0)


def test_fields_of_another_recurrence_do_not_block_saving(patient_client: Client,
                                                          patient: Patient):
    response = patient_client.post("/medications/new", form_data(
        recurrence="weekdays", weekdays=["0", "4"], every_days="0", days_on="0"))

    assert response.status_code == 302
    schedule = Schedule.objects.get()
    assert (schedule.weekdays, schedule.every_days, schedule.days_on) == ([0, 4], 1, 0)


def test_as_needed_has_no_reminders(patient_client: Client, patient: Patient):
    response = patient_client.post("/medications/new", form_data(recurrence="as_needed",
                                                                 time=[""], amount=["1"]))

    assert response.status_code == 302
    schedule = Schedule.objects.get()
    assert schedule.times == [] and schedule.next_due_at is None


def test_add_another_time_without_javascript_keeps_what_was_typed(patient_client: Client,
                                                                  patient: Patient):
    response = patient_client.post("/medications/new", form_data(add_time="1", stock="-5"))

    page = response.content.decode()
    assert page.count('name="time"') == 3 + 1  # two typed, one new, one in the template
    assert 'value="-5"' in page and "Nothing was saved" not in page
    assert counts() == (0, 0, 0)


def test_saving_is_one_transaction(patient_client: Client, patient: Patient,
                                   monkeypatch: pytest.MonkeyPatch):
    def replan_fails(schedule: Schedule) -> None:
        raise RuntimeError("planning failed")

    monkeypatch.setattr(medications, "replan", replan_fails)

    with pytest.raises(RuntimeError):
        patient_client.post("/medications/new", form_data())

    assert counts() == (0, 0, 0)


def test_editing_replans_the_reminders(patient_client: Client, patient: Patient):
    medication = make.medication(patient, times=("20:00",), start=date(2025, 6, 1))
    waiting = make.dose(medication, datetime(2025, 6, 2, 19, 0, tzinfo=UTC),
                       status=DoseStatus.SCHEDULED)
    assert medication.schedule.next_due_at is not None

    response = patient_client.post(f"/medications/{medication.pk}/edit",
                                   form_data(time=["21:30"], amount=["1"], stock="12"))

    assert response.status_code == 302
    medication.refresh_from_db()
    schedule = Schedule.objects.get(pk=medication.schedule.pk)
    assert medication.stock == Decimal(12)
    assert schedule.times == [{"at": "21:30", "amount": "1"}]
    assert not Dose.objects.filter(pk=waiting.pk).exists()  # never reminded: re-planned
    assert schedule.next_due_at == datetime(2025, 6, 2, 20, 30, tzinfo=UTC)


def test_edit_form_shows_the_saved_schedule(patient_client: Client, patient: Patient):
    medication = make.medication(patient, times=("08:00", "20:00"), recurrence="weekdays",
                                weekdays=[1, 3])

    page = patient_client.get(f"/medications/{medication.pk}/edit").content.decode()

    assert 'value="08:00"' in page and 'value="20:00"' in page
    assert re.search(r'value="weekdays"[^>]*checked', page)
    assert re.search(r'value="1"[^>]*checked', page) and re.search(r'value="3"[^>]*checked', page)


def test_an_invalid_edit_changes_nothing(patient_client: Client, patient: Patient):
    medication = make.medication(patient, times=("08:00",))
    before = (Schedule.objects.get().times, Schedule.objects.get().next_due_at)

    patient_client.post(f"/medications/{medication.pk}/edit",
                        form_data(name="Renamed", time=["99:99"], amount=["1"]))

    medication.refresh_from_db()
    schedule = Schedule.objects.get()
    assert medication.name == "Metformin"
    assert (schedule.times, schedule.next_due_at) == before


def test_pause_and_resume(patient_client: Client, patient: Patient):
    medication = make.medication(patient, times=("20:00",))

    patient_client.post(f"/medications/{medication.pk}/pause", {"paused": "1"})
    medication.refresh_from_db()
    assert medication.paused and Schedule.objects.get().next_due_at is None

    patient_client.post(f"/medications/{medication.pk}/pause", {"paused": "0"})
    medication.refresh_from_db()
    assert not medication.paused
    assert Schedule.objects.get().next_due_at == datetime(2025, 6, 2, 19, 0, tzinfo=UTC)


def test_delete_asks_first_then_deletes_with_history(patient_client: Client,
                                                     patient: Patient):
    medication = make.medication(patient)
    make.dose(medication, NOW, status=DoseStatus.TAKEN)

    confirm = patient_client.get(f"/medications/{medication.pk}/delete")
    assert "history of 1 dose" in confirm.content.decode()
    assert Medication.objects.filter(pk=medication.pk).exists()

    response = patient_client.post(f"/medications/{medication.pk}/delete")

    assert response.status_code == 302
    assert counts() == (0, 0, 0)


def test_list_summarises_each_schedule(patient_client: Client, patient: Patient):
    make.medication(patient, times=("08:00", "20:00"), recurrence="interval", every_days=3,
                   end_date=date(2025, 12, 31))

    page = patient_client.get("/medications/").content.decode()

    assert "08:00 (1 tablet), 20:00 (1 tablet) · every 3 days · until 31 Dec 2025" in page
    assert "10 in stock" in page


@pytest.mark.parametrize("typed", ["2500", "25:00", "12:60", "13 pm", "8", "noon"])
def test_a_time_is_text_and_a_wrong_one_is_an_error_naming_the_accepted_forms(
        patient_client: Client, patient: Patient, typed: str):
    page = patient_client.get("/medications/new").content.decode()
    assert re.search(r'<input type="text" name="time"', page)
    assert 'type="time"' not in page  # no picker to reinterpret what was typed

    response = patient_client.post("/medications/new", form_data(time=[typed], amount=["1"]))
    assert (f"“{typed}” is not a time of day. Write a time as 20:00, 8:00 PM, 8:30 pm, 8 pm "
            "or 8pm.") in response.content.decode()
    assert counts() == (0, 0, 0)


@pytest.mark.parametrize(("typed", "stored"), [
    ("8:00 PM", "20:00"), ("8 pm", "20:00"), ("8pm", "20:00"), ("20:00", "20:00"),
    ("20.00", "20:00"), ("8:30 a.m.", "08:30"), ("12 am", "00:00"), ("12:15 PM", "12:15")])
def test_a_time_is_read_on_either_clock(patient_client: Client, patient: Patient, typed: str,
                                        stored: str):
    patient_client.post("/medications/new", form_data(time=[typed], amount=["1"]))
    assert Schedule.objects.get().times == [{"at": stored, "amount": "1"}]


def test_four_digits_that_make_a_time_are_read_as_written(patient_client: Client,
                                                          patient: Patient):
    patient_client.post("/medications/new", form_data(time=["0830"], amount=["1"]))
    assert Schedule.objects.get().times == [{"at": "08:30", "amount": "1"}]


def test_the_edit_page_adds_no_empty_time_row(patient_client: Client, patient: Patient):
    medication = make.medication(patient, times=("08:00", "20:00"))
    page = patient_client.get(f"/medications/{medication.pk}/edit").content.decode()
    rows = page.split("<template")[0].count('name="time"')
    assert rows == 2
