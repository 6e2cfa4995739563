"""Each reader's clock format: 12-hour ("8:00 PM") or 24-hour ("20:00"), chosen in Settings or,
until then, what the browser's language writes; and times typed on either clock are read."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
import time_machine
from django.urls import reverse

from pulserx.accounts.models import ClockFormat, Patient, User
from pulserx.reminders.models import DayRoutine
from pulserx.wall_time import ACCEPTED, language_writes_twelve_hour, parse_time, time_text
from tests import factories
from tests.support import https_client

from .helpers import PASSWORD

pytestmark = pytest.mark.django_db
# An early morning in London: the 08:00 dose these tests read is still ahead on Today.
BEFORE_BREAKFAST = datetime(2026, 12, 1, 6, 30, tzinfo=UTC)
US, UK = {"Accept-Language": "en-US,en;q=0.9"}, {"Accept-Language": "en-GB,en;q=0.9"}


@pytest.mark.parametrize(("wall", "twelve", "twenty_four"), [
    (time(0, 0), "12:00 AM", "00:00"), (time(0, 30), "12:30 AM", "00:30"),
    (time(8, 5), "8:05 AM", "08:05"), (time(12, 0), "12:00 PM", "12:00"),
    (time(20, 0), "8:00 PM", "20:00"), (time(23, 59), "11:59 PM", "23:59")])
def test_a_time_is_written_on_either_clock(wall: time, twelve: str, twenty_four: str) -> None:
    assert time_text(wall, True) == twelve and time_text(wall, False) == twenty_four
    assert parse_time(twelve) == wall and parse_time(twenty_four) == wall


@pytest.mark.parametrize("typed", ["8:00 PM", "8 pm", "8pm", "8:00pm", "8 P.M.", "20:00",
                                   "20.00", "20h00", "2000", " 20:00 "])
def test_every_way_of_writing_eight_in_the_evening_is_read(typed: str) -> None:
    assert parse_time(typed) == time(20, 0)


@pytest.mark.parametrize("typed", ["", "8", "13 pm", "0 am", "24:00", "8:60", "noon",
                                   "8:00 xm", "20:00:30", "-1:00"])
def test_anything_else_is_refused_naming_the_accepted_forms(typed: str) -> None:
    with pytest.raises(ValueError, match=ACCEPTED):
        parse_time(typed)


@pytest.mark.parametrize(("header", "twelve"), [
    ("en-US,en;q=0.9", True), ("en", True), ("en-us", True), ("en_US", True),
    ("en-GB,en-US;q=0.9", False), ("de-DE,de;q=0.9,en-US;q=0.8", False), ("fr", False),
    ("", False), ("*", False), ("xx-nonsense;;;", False)])
def test_the_browsers_first_language_decides_the_default(header: str, twelve: bool) -> None:
    assert language_writes_twelve_hour(header) is twelve


def today_time(user: User, headers: dict[str, str]) -> str:
    """How Today writes the patient's 08:00 dose for `user` signing in with `headers`."""
    client = https_client(headers=headers)
    client.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    page = client.get("/").content.decode()
    return "8:00 AM" if ">8:00 AM</time>" in page else "08:00" if ">08:00</time>" in page \
        else "neither"


@time_machine.travel(BEFORE_BREAKFAST)
def test_signing_in_with_a_us_browser_writes_12_hour_times(patient: Patient) -> None:
    factories.medication(patient, "08:00")
    assert today_time(patient.user, US) == "8:00 AM"
    patient.user.refresh_from_db()
    assert patient.user.language_clock_format == ClockFormat.TWELVE_HOUR
    assert today_time(patient.user, UK) == "08:00"  # the browser's language changed


@time_machine.travel(BEFORE_BREAKFAST)
def test_a_choice_in_settings_outlasts_the_browsers_language(patient: Patient) -> None:
    factories.medication(patient, "08:00")
    client = https_client(headers=US)
    client.force_login(patient.user)
    page = client.get(reverse("account_settings")).content.decode()
    assert "As my browser&#x27;s language writes them" in page
    response = client.post(reverse("clock_format_settings"), {"clock_format": "24h"})
    assert response.status_code == 302
    patient.user.refresh_from_db()
    assert patient.user.clock_format == ClockFormat.TWENTY_FOUR_HOUR
    assert today_time(patient.user, US) == "08:00"
    client.post(reverse("clock_format_settings"), {"clock_format": ""})  # back to the language
    assert today_time(patient.user, US) == "8:00 AM"


def test_an_unknown_choice_changes_nothing(patient: Patient) -> None:
    client = https_client()
    client.force_login(patient.user)
    client.post(reverse("clock_format_settings"), {"clock_format": "36h"})
    patient.user.refresh_from_db()
    assert patient.user.clock_format == ""


def test_sign_up_remembers_the_browsers_clock() -> None:
    client = https_client(headers=US)
    client.post(reverse("signup"), {
        "email": "new@example.org", "first_name": "Nina", "password1": PASSWORD,
        "password2": PASSWORD, "account_type": "caregiver", "timezone": "America/Chicago"})
    assert User.objects.get(email="new@example.org").twelve_hour


def test_a_caregiver_chooses_their_format_too(caregiver: User) -> None:
    client = https_client()
    client.force_login(caregiver)
    assert "How times are written" in client.get(reverse("account_settings")).content.decode()
    client.post(reverse("clock_format_settings"), {"clock_format": "12h"})
    caregiver.refresh_from_db()
    assert caregiver.twelve_hour


def test_your_day_is_written_and_read_in_the_readers_format(patient: Patient) -> None:
    patient.user.clock_format = ClockFormat.TWELVE_HOUR
    patient.user.save()
    client = https_client()
    client.force_login(patient.user)
    page = client.get(reverse("day_routine")).content.decode()
    assert 'value="7:00 AM"' in page  # when they wake, by default
    moments = {"wake": "6:45 am", "breakfast": "7.30", "lunch": "12:30 PM", "dinner": "7pm",
               "bedtime": "22:45"}
    assert client.post(reverse("day_routine"), moments).status_code == 302
    day = DayRoutine.day_of(patient)
    assert (day.wake, day.breakfast, day.lunch, day.dinner, day.bedtime) == (
        time(6, 45), time(7, 30), time(12, 30), time(19, 0), time(22, 45))
    refused = client.post(reverse("day_routine"), {**moments, "dinner": "7"}).content.decode()
    assert "“7” is not a time of day. Write a time as 20:00, 8:00 PM" in refused
