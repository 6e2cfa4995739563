"""A reader types a decimal number their own way: "0,5" in German (or "0.5"), "0.5" in
English. Every number field of the medication page reads it (`QuantityField`, and the time
rows, phases and refill amount through the same `read_quantity`), shows the stored value
back as the reader writes it, and refuses a grouped "1.000" or garbage with a message that
shows the expected form, writing nothing."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.test import Client

from pulserx.accounts.models import Patient
from pulserx.reminders.models import Dose, Medication, Schedule
from tests.i18n.conftest import MakeCatalog
from tests.support import https_client

NOW = datetime(2026, 6, 2, 9, 0, tzinfo=UTC)  # 10:00 in London

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def reader(patient: Patient, language: str) -> Client:
    """`patient`, signed in, reading the pages in `language`."""
    patient.user.language = language
    patient.user.save()
    client = https_client()
    client.force_login(patient.user)
    return client


def form_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Warfarin", "strength": "1 mg", "form": "tablet", "instructions": "",
        "stock": "30", "refill_threshold": "", "pack_size": "", "recurrence": "daily",
        "every_days": "2", "days_on": "21", "days_off": "7", "start_date": "2026-06-03",
        "end_date": "", "time": ["08:00"], "amount": ["1"], "interval_from": "scheduled",
        "continue_last_phase": "0", "limit_period_hours": "24", "dose_amount": "1",
    }
    data.update(changes)
    return data


def written() -> tuple[int, int, int]:
    return Medication.objects.count(), Schedule.objects.count(), Dose.objects.count()


def input_value(page: str, name: str) -> str:
    match = re.search(rf'<input type="text" name="{name}"[^>]*? value="([^"]*)"', page)
    assert match, f"no text input {name!r}"
    return match.group(1)


def error_beside(page: str, name: str) -> str:
    """The error list after the input `name`, before the next field."""
    start = page.index(f'name="{name}"')
    end = page.find('<div class="field', start)
    match = re.search(r'<ul class="errorlist"[^>]*>(.*?)</ul>', page[start:end], re.S)
    assert match, f"no error beside {name!r}"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def test_a_german_reader_adds_a_medication_with_decimal_commas(patient: Patient) -> None:
    response = reader(patient, "de").post("/medications/new", form_data(
        stock="12,5", refill_threshold="2,5", pack_size="0,5", amount=["0,5"]))

    assert response.status_code == 302
    medication = Medication.objects.get()
    assert (medication.stock, medication.refill_threshold, medication.pack_size) == (
        Decimal("12.5"), Decimal("2.5"), Decimal("0.5"))
    assert medication.schedule.times == [{"at": "08:00", "amount": "0.5"}]


def test_the_german_edit_form_shows_the_stored_amounts_with_commas(patient: Patient) -> None:
    german = reader(patient, "de")
    german.post("/medications/new", form_data(stock="12,5", pack_size="0,5", amount=["0,5"]))
    medication = Medication.objects.get()

    page = german.get(f"/medications/{medication.pk}/edit").content.decode()

    assert input_value(page, "stock") == "12,5"
    assert input_value(page, "pack_size") == "0,5"
    assert input_value(page, "amount") == "0,5"
    assert 'name="stock" value="12,5" inputmode="decimal"' in page  # no type=number


def test_a_german_reader_may_also_type_the_point(patient: Patient) -> None:
    response = reader(patient, "de").post("/medications/new", form_data(
        stock="0.5", amount=["2.5"]))

    assert response.status_code == 302
    medication = Medication.objects.get()
    assert medication.stock == Decimal("0.5")
    assert medication.schedule.times == [{"at": "08:00", "amount": "2.5"}]


def test_an_english_reader_types_the_point_and_sees_it_back(patient: Patient) -> None:
    english = reader(patient, "en")
    response = english.post("/medications/new", form_data(stock="0.5", amount=["0.5"]))

    assert response.status_code == 302
    medication = Medication.objects.get()
    assert medication.stock == Decimal("0.5")
    page = english.get(f"/medications/{medication.pk}/edit").content.decode()
    assert input_value(page, "stock") == "0.5" and input_value(page, "amount") == "0.5"


# What each reader is told, from the catalogs PulseRx ships.
NOT_A_NUMBER = {"de": "Geben Sie eine Zahl wie 0,5 ein.",
                "fr": "Indiquez un nombre, par exemple 0,5.",
                "en": "Enter a number such as 0.5."}


@pytest.mark.parametrize(("language", "typed"), [
    ("de", "1.000,5"), ("de", "1.000"), ("de", "zwei"), ("de", "0,5,5"), ("fr", "1 000"),
    ("en", "1,000"), ("en", "1e3"),
])
def test_grouping_or_garbage_is_refused_with_the_expected_form_and_nothing_written(
        patient: Patient, language: str, typed: str) -> None:
    response = reader(patient, language).post("/medications/new", form_data(stock=typed))

    assert response.status_code == 200
    page = response.content.decode()
    assert error_beside(page, "stock") == NOT_A_NUMBER[language]
    assert input_value(page, "stock") == typed  # shown back as typed, to correct
    assert written() == (0, 0, 0)


def test_a_refused_edit_leaves_the_stored_stock_alone(patient: Patient) -> None:
    german = reader(patient, "de")
    german.post("/medications/new", form_data(stock="12,5"))
    medication = Medication.objects.get()

    response = german.post(f"/medications/{medication.pk}/edit", form_data(stock="1.000,5"))

    assert response.status_code == 200
    assert NOT_A_NUMBER["de"] in response.content.decode()
    assert Medication.objects.get().stock == Decimal("12.5")


def test_a_grouped_amount_in_a_time_row_is_refused(patient: Patient) -> None:
    response = reader(patient, "de").post("/medications/new", form_data(amount=["1.000"]))

    assert response.status_code == 200
    assert "eine Zahl über 0 wie 1 oder 0,5." in response.content.decode()
    assert written() == (0, 0, 0)


def test_the_message_is_in_the_readers_language(patient: Patient,
                                                catalog: MakeCatalog) -> None:
    catalog("de", {"Enter a number such as %(example)s.":
                   "Geben Sie eine Zahl wie %(example)s ein."})
    response = reader(patient, "de").post("/medications/new", form_data(stock="1.000,5"))

    assert error_beside(response.content.decode(), "stock") == "Geben Sie eine Zahl wie 0,5 ein."


@pytest.mark.parametrize("typed", ["0,5", "0.5"])
def test_an_arabic_reader_types_djangos_arabic_separator_or_the_point(
        patient: Patient, typed: str) -> None:
    arabic = reader(patient, "ar")
    response = arabic.post("/medications/new", form_data(stock=typed, amount=[typed]))

    assert response.status_code == 302
    medication = Medication.objects.get()
    assert medication.stock == Decimal("0.5")
    assert medication.schedule.times == [{"at": "08:00", "amount": "0.5"}]
    page = arabic.get(f"/medications/{medication.pk}/edit").content.decode()
    assert input_value(page, "stock") == "0,5"  # Django's Arabic DECIMAL_SEPARATOR


def test_an_arabic_reader_cannot_group_with_the_point(patient: Patient) -> None:
    response = reader(patient, "ar").post("/medications/new", form_data(stock="1.000"))
    assert response.status_code == 200
    assert "0,5" in error_beside(response.content.decode(), "stock")
    assert written() == (0, 0, 0)


def test_hours_and_amounts_of_the_newer_kinds_read_commas(patient: Patient) -> None:
    german = reader(patient, "de")
    response = german.post("/medications/new", form_data(
        recurrence="every_hours", every_hours="1,5", first_at="14:00", dose_amount="0,5"))

    assert response.status_code == 302
    schedule = Schedule.objects.get()
    assert (schedule.every_minutes, schedule.dose_amount) == (90, Decimal("0.5"))
    page = german.get(f"/medications/{schedule.medication_id}/edit").content.decode()
    assert input_value(page, "every_hours") == "1,5"
    assert input_value(page, "dose_amount") == "0,5"


def test_an_as_needed_gap_reads_a_comma(patient: Patient) -> None:
    response = reader(patient, "de").post("/medications/new", form_data(
        recurrence="as_needed", max_doses="4", min_gap_hours="1,5"))

    assert response.status_code == 302
    assert Schedule.objects.get().min_gap_minutes == 90


def test_a_taper_step_of_half_a_tablet_is_typed_and_shown_with_a_comma(
        patient: Patient) -> None:
    german = reader(patient, "de")
    response = german.post("/medications/new", form_data(
        recurrence="taper", phases="3 days: 08:00 x1, 20:00 x0,5\n3 days: 08:00 x0,5, 20:00 x1"))

    assert response.status_code == 302
    schedule = Schedule.objects.get()
    assert [p["times"] for p in schedule.phases] == [
        [{"at": "08:00", "amount": "1"}, {"at": "20:00", "amount": "0.5"}],
        [{"at": "08:00", "amount": "0.5"}, {"at": "20:00", "amount": "1"}]]
    page = german.get(f"/medications/{schedule.medication_id}/edit").content.decode()
    assert "3 days: 08:00 x0,5, 20:00 x1" in page


def test_a_german_refill_of_twelve_and_a_half(patient: Patient) -> None:
    german = reader(patient, "de")
    german.post("/medications/new", form_data(stock="10"))
    medication = Medication.objects.get()

    german.post(f"/medications/{medication.pk}/refill", {"amount": "12,5"})
    german.post(f"/medications/{medication.pk}/refill", {"amount": "1.000"})  # refused

    assert Medication.objects.get().stock == Decimal("22.5")


def test_a_time_tied_to_the_day_takes_half_a_tablet_with_a_comma(patient: Patient) -> None:
    german = reader(patient, "de")
    response = german.post("/medications/new", form_data(time=[""], anchored="at bedtime x0,5"))

    assert response.status_code == 302
    schedule = Schedule.objects.get()
    assert [entry["amount"] for entry in schedule.times] == ["0.5"]
    page = german.get(f"/medications/{schedule.medication_id}/edit").content.decode()
    assert "bedtime x0,5" in page


def test_a_limit_is_named_the_readers_way(patient: Patient) -> None:
    response = reader(patient, "de").post("/medications/new", form_data(
        recurrence="every_hours", every_hours="0,1", first_at="14:00"))

    assert response.status_code == 200
    assert "0,25" in error_beside(response.content.decode(), "every_hours")
    assert written() == (0, 0, 0)
