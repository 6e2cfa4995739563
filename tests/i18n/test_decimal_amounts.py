"""A reader writes "0,5" in German, French, Spanish, Italian and Portuguese: amounts are
worded with the reader's decimal separator on pages and in every message, by the one
wording function (`amount_text`); machine columns (the dose CSV's) keep the point."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from pulserx.accounts.models import Patient
from pulserx.exports.dose_csv import dose_rows
from pulserx.notifications import render
from pulserx.notifications.models import Notification, NotificationKind
from pulserx.reminders.amounts import Measure, amount_text
from pulserx.reminders.clock import Reader
from pulserx.reminders.models import DoseStatus
from tests.factories import dose, medication
from tests.support import https_client

DUE = datetime(2027, 1, 12, 8, 0, tzinfo=UTC)
LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize("language", ["de", "fr", "es", "it", "pt-br"])
def test_a_half_tablet_is_written_with_a_comma_where_the_reader_writes_one(
        language: str) -> None:
    with translation.override(language):
        half = amount_text(Decimal("0.5"), "tablet")
        measured = amount_text(Decimal("2.5"), Measure("liquid", unit="mg"))
        counted = amount_text(Decimal("1.5"), Measure("tablet", strength=Decimal("2.5"),
                                                      strength_unit="mg"))
    assert half.startswith("0,5") and "." not in half
    assert measured.startswith("2,5")
    assert counted.startswith("1,5") and "3,75" in counted


def test_english_keeps_the_point_and_a_machine_column_keeps_it_in_any_language() -> None:
    with translation.override("en"):
        assert amount_text(Decimal("0.5"), "tablet") == "0.5 tablet"
    with translation.override("de"):
        assert amount_text(Decimal("0.5"), "tablet", separator=".").startswith("0.5 ")
        assert amount_text(Decimal("12"), "tablet").startswith("12 ")  # no comma to add


@pytest.mark.django_db
def test_the_renderer_writes_a_german_readers_half_tablet_with_a_comma(patient: Patient) -> None:
    the_dose = dose(medication(patient), DUE, amount="0.5")
    note = Notification.objects.create(recipient=patient.user, patient=patient, dose=the_dose,
                                       kind=NotificationKind.REMINDER, created_at=DUE)
    german = render.message(note, render.facts_of(the_dose), "alex", Reader(LONDON, False, "de"))
    english = render.message(note, render.facts_of(the_dose), "alex", Reader(LONDON))

    assert "0,5" in german.body and "0.5" not in german.body
    assert "0.5 tablet" in english.body


@pytest.mark.django_db
def test_the_csv_keeps_the_point_for_a_german_reader(patient: Patient) -> None:
    dose(medication(patient), DUE, DoseStatus.TAKEN, amount="0.5", acted_at=DUE)
    with translation.override("de"):
        rows = list(dose_rows(patient, date(2027, 1, 12), date(2027, 1, 12),
                              datetime(2027, 1, 13, tzinfo=UTC)))
    assert len(rows) == 1
    assert rows[0][7].startswith("0.5 ")


@pytest.mark.django_db
def test_todays_page_shows_a_german_reader_a_half_tablet_with_a_comma(patient: Patient) -> None:
    patient.user.language = "de"
    patient.user.save()
    medication(patient, time(20, 0), amount="0.5", stock="12.5")
    with time_machine.travel(datetime(2027, 1, 12, 12, 0, tzinfo=UTC), tick=False):
        client = https_client()
        client.force_login(patient.user)
        page = client.get("/").content.decode()
    assert "0,5 " in page and "0.5 " not in page
    assert "12,5" in page  # the stock, by the same rule
