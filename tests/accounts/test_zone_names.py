"""A zone is known by the name the tz database gives its place today."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from pulserx.accounts.forms import timezone_field
from pulserx.accounts.zones import current_name, zone_names


@pytest.mark.parametrize(("old", "today"), [
    ("Asia/Calcutta", "Asia/Kolkata"), ("Asia/Katmandu", "Asia/Kathmandu"),
    ("Asia/Saigon", "Asia/Ho_Chi_Minh"), ("Asia/Rangoon", "Asia/Yangon"),
    ("Europe/Kiev", "Europe/Kyiv"), ("Atlantic/Faeroe", "Atlantic/Faroe"),
    ("America/Godthab", "America/Nuuk"), ("Africa/Asmera", "Africa/Asmara"),
    ("Pacific/Ponape", "Pacific/Pohnpei"), ("Pacific/Truk", "Pacific/Chuuk"),
    ("America/Indianapolis", "America/Indiana/Indianapolis"), ("US/Eastern", "America/New_York"),
])
def test_an_old_name_becomes_its_places_name_today(old: str, today: str) -> None:
    assert current_name(old) == today


@pytest.mark.parametrize("zone", [
    "Europe/Oslo",  # a place of its own, though it keeps Berlin's clock
    "Asia/Kolkata", "Europe/London", "UTC", "America/Argentina/Buenos_Aires",
    "Atlantic/Jan_Mayen",  # several places keep its clock; none is spelled like it
    "Atlantis/Capital",  # unknown names are for the validator to refuse
])
def test_a_current_or_unclear_name_stays(zone: str) -> None:
    assert current_name(zone) == zone


def test_every_renamed_zone_keeps_its_clock() -> None:
    """Renaming never moves a reminder: old and new name read the same clock since 1970."""
    instants = [datetime(year, month, 15, tzinfo=UTC)
                for year in range(1970, 2031) for month in range(1, 13)]
    renamed = {zone: current_name(zone) for zone in zone_names() if current_name(zone) != zone}
    assert len(renamed) > 100
    for old, today in renamed.items():
        assert today in zone_names()
        assert [t.astimezone(ZoneInfo(old)).utcoffset() for t in instants] == \
            [t.astimezone(ZoneInfo(today)).utcoffset() for t in instants], old


def test_a_form_saves_the_current_name_of_the_zone_a_browser_filled_in() -> None:
    field = timezone_field()
    assert field.clean("Asia/Calcutta") == "Asia/Kolkata"
    with pytest.raises(ValidationError):
        field.clean("Atlantis/Capital")
