"""A whole date is written in the reader's language's own order and words, by one rule
(`clock_format.page_date`, Django's per-language date formats): the History page's day,
Today's heading, the report's range and the PDF's dates."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from pulserx.accounts.models import Patient
from pulserx.clock_format import page_date
from tests.factories import medication
from tests.support import https_client

SATURDAY = date(2026, 12, 5)


@pytest.mark.parametrize(("language", "weekday", "words"), [
    ("en", "saturday", "5 December 2026"),
    ("de", "samstag", "5. Dezember 2026"),
    ("es", "sábado", "5 de diciembre de 2026"),
    ("fr", "samedi", "5 décembre 2026"),
    ("pt-br", "sábado", "5 de dezembro de 2026"),
    ("it", "sabato", "05 dicembre 2026"),
    ("ar", "السبت", "2026"),
])
def test_a_date_follows_the_readers_language(language: str, weekday: str, words: str) -> None:
    with translation.override(language):
        written = page_date(SATURDAY)
        bare = page_date(SATURDAY, weekday=False)
    # Django's catalogs capitalise some languages' names (Portuguese "Dezembro"): the order
    # and the words are what this checks.
    assert weekday in written.lower() and words.lower() in written.lower()
    assert bare.lower() == words.lower() or language == "ar"
    assert weekday not in bare.lower()


def test_without_the_year_the_day_and_month_keep_the_languages_order() -> None:
    with translation.override("de"):
        assert page_date(SATURDAY, year=False) == "Samstag, 5. Dezember"
    with translation.override("es"):
        assert page_date(SATURDAY, year=False, weekday=False) == "5 de diciembre"


def signed_in_german(patient: Patient) -> object:
    patient.user.language = "de"
    patient.user.save()
    client = https_client()
    client.force_login(patient.user)
    return client


@pytest.mark.django_db
def test_the_history_pages_day_is_written_in_german_order(patient: Patient) -> None:
    medication(patient)
    with time_machine.travel(datetime(2026, 12, 7, 12, 0, tzinfo=UTC), tick=False):
        client = signed_in_german(patient)
        page = client.get(reverse("history"), {"day": "2026-12-05"}).content.decode()  # type: ignore[attr-defined]
    heading = page.split('id="day-heading">', 1)[1].split("</h2>", 1)[0]
    assert heading == "Samstag, 5. Dezember 2026"


@pytest.mark.django_db
def test_today_and_the_report_write_their_dates_by_the_same_rule(patient: Patient) -> None:
    medication(patient)
    with time_machine.travel(datetime(2026, 12, 5, 12, 0, tzinfo=UTC), tick=False):
        client = signed_in_german(patient)
        today = client.get(reverse("today")).content.decode()  # type: ignore[attr-defined]
        report = client.get(reverse("report"), {  # type: ignore[attr-defined]
            "start": "2026-11-06", "end": "2026-12-05"}).content.decode()
        with translation.override("de"):
            heading, last = page_date(SATURDAY, year=False), page_date(SATURDAY, weekday=False)
    assert heading in today
    assert "6. November 2026" in report and last in report
