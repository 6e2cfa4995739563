"""Time zone names: which IANA zones a person may live in, and the name the tz database
gives a place today. Browsers built on older ICU data still report names the database has
since renamed (Asia/Calcutta for Asia/Kolkata, Europe/Kiev for Europe/Kyiv); a patient at
home must not look as if they had travelled."""

from __future__ import annotations

import zoneinfo
from difflib import SequenceMatcher
from functools import lru_cache
from importlib import resources
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from pulserx import tzdb

# Keys of the tz database that name no place: "localtime" is whatever the server's own clock
# is set to, "Factory" a placeholder zone, "posixrules" a template file.
_NOT_PLACES = frozenset({"localtime", "Factory", "posixrules"})

# An old name shared by several places today is renamed only when it plainly spells one of
# them (Africa/Asmera, Africa/Asmara); otherwise it stays as reported.
_SPELLING = 0.8


@lru_cache(maxsize=1)
def zone_names() -> frozenset[str]:
    """The IANA zones a patient may live in."""
    return frozenset(zoneinfo.available_timezones() - _NOT_PLACES)


def validate_timezone(value: str) -> None:
    if value not in zone_names():
        raise ValidationError(
            # Translators: %(value)s is what was given as a time zone.
            _("“%(value)s” is not an IANA time zone (for example Europe/London)."),
            params={"value": value},
        )


def current_name(zone: str) -> str:
    """The name the tz database gives `zone`'s place today: itself unless it is an old name."""
    return _renamed().get(zone, zone)


@lru_cache(maxsize=1)
def _renamed() -> dict[str, str]:
    """Old names and the names of their places today. A link whose name is no place in
    zone.tab is an old name; its place is the zone.tab entry that keeps the same clock."""
    data = _tz_data()
    links = dict(_links((data / "tzdata.zi").read_text(encoding="utf-8")))
    places = _places((data / "zone.tab").read_text(encoding="utf-8"))
    by_clock: dict[str, list[str]] = {}
    for place in places:
        by_clock.setdefault(links.get(place, place), []).append(place)
    renamed = {}
    for old, clock in links.items():
        if old in places:
            continue
        candidates = by_clock.get(clock, [])
        if len(candidates) == 1:
            renamed[old] = candidates[0]
            continue
        spelled = [c for c in candidates if SequenceMatcher(None, old, c).ratio() >= _SPELLING]
        if len(spelled) == 1:
            renamed[old] = spelled[0]
    return renamed


def _tz_data() -> Path:
    """The directory of the tz database every PulseRx process reads its zones from."""
    source = tzdb.in_use().source
    if source == "tzdata package":
        return Path(str(resources.files("tzdata") / "zoneinfo"))
    return Path(source)


def _links(text: str) -> list[tuple[str, str]]:
    """(name, target) of each link line ("L target name") of a tzdata.zi file."""
    return [(fields[2], fields[1]) for fields in (line.split() for line in text.splitlines())
            if len(fields) == 3 and fields[0] == "L"]


def _places(text: str) -> set[str]:
    """The zone names of zone.tab: one per region of a country that keeps its own clock."""
    return {fields[2] for fields in (line.split("\t") for line in text.splitlines())
            if len(fields) >= 3 and not fields[0].startswith("#")}
