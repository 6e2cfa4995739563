"""A 12-hour time typed in a form is read with the reader's own halves of the day, exactly as
the pages write them to that reader ("8:00 nachm." in German, "8:00 p. m." in Spanish,
"8:00 م" in Arabic), and with English am/pm; anything else is refused with the accepted
forms in the reader's language."""

from __future__ import annotations

from datetime import time

import pytest
from django import forms
from django.conf import settings
from django.utils import translation

from pulserx.clock_format import accepted_formats, read_time, written_time
from pulserx.web.time_fields import WallTimeField

LANGUAGES = [code for code, _ in settings.LANGUAGES]
WALLS = [time(0, 0), time(0, 30), time(8, 0), time(11, 59), time(12, 0), time(12, 30),
         time(20, 5), time(23, 59)]


@pytest.mark.parametrize("language", LANGUAGES)
def test_what_the_pages_write_on_the_12_hour_clock_is_read_back(language: str) -> None:
    with translation.override(language):
        for wall in WALLS:
            assert read_time(written_time(wall, True)) == wall
            assert read_time(written_time(wall, True).upper()) == wall
            assert read_time(written_time(wall, False)) == wall


@pytest.mark.parametrize(("language", "typed"), [
    ("de", "8:00 nachm."), ("de", "8:00nachm."), ("de", "8 nachm."), ("es", "8:00 p. m."),
    ("ar", "8:00 م"), ("de", "8 pm"), ("es", "8:00 PM"), ("ar", "8pm")])
def test_a_german_spanish_or_arabic_evening_is_read(language: str, typed: str) -> None:
    with translation.override(language):
        assert read_time(typed) == time(20, 0)


@pytest.mark.parametrize(("language", "typed"), [
    ("de", "13 nachm."), ("de", "8 pm nachm."), ("de", "nachm."), ("es", "8 nachm."),
    ("en", "8 nachm.")])
def test_a_half_of_the_day_is_refused_where_it_makes_no_sense(language: str, typed: str) -> None:
    with translation.override(language), pytest.raises(ValueError):
        read_time(typed)


class OneTime(forms.Form):
    at = WallTimeField()


def test_a_german_form_reads_nachm_and_names_it_when_it_refuses() -> None:
    with translation.override("de"):
        good = OneTime({"at": "8:30 nachm."})
        bad = OneTime({"at": "8 abends"})
        assert good.is_valid() and good.cleaned_data["at"] == "20:30"
        assert not bad.is_valid()
        error = bad.errors["at"][0]
    assert "8:00 nachm." in error and "8:30 vorm." in error


def test_english_readers_are_told_the_forms_they_were_told_before() -> None:
    with translation.override("en"):
        assert accepted_formats() == "Write a time as 20:00, 8:00 PM, 8:30 pm, 8 pm or 8pm."
