"""The clock format of the person a page is drawn for, the way Django activates a time zone.

A middleware (`web.middleware.reader_clock_format`) says, for each request, whose page it is:
the signed-in user's clock format, or for a visitor the one their browser's language writes.
Page code and template filters write times with `page_time`, which asks `wall_time.time_text`
for that format, so Today, History, the report, the schedule words and the forms all agree
with what the renderer sends that person on every channel. Outside a request (the worker,
a command) nothing is active: the 24-hour clock, unless code runs inside `reading_as`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from asgiref.local import Local
from django.utils import dateformat
from django.utils.formats import date_format
from django.utils.translation import gettext, pgettext

from pulserx.wall_time import ACCEPTED, parse_time, time_text

_active = Local()


@contextmanager
def reading_as(twelve_hour: bool | Callable[[], bool]) -> Iterator[None]:
    """Write times for a reader on the 12-hour clock (True) or the 24-hour one inside this
    block. A callable is asked once, when a time is first written (a request that shows no
    time never loads its user)."""
    previous = getattr(_active, "format", None)
    _active.format = twelve_hour
    try:
        yield
    finally:
        _active.format = previous


def twelve_hour_now() -> bool:
    """Whether the active reader writes times on the 12-hour clock."""
    chosen = getattr(_active, "format", None)
    if callable(chosen):
        chosen = _active.format = bool(chosen())
    return bool(chosen)


def halves_of_the_day() -> tuple[str, str]:
    """The names of the two halves of the day in the active language: ("AM", "PM") in
    English, ("vorm.", "nachm.") in German."""
    return pgettext("before noon", "AM"), pgettext("after noon", "PM")


def written_time(wall: time | datetime, twelve_hour: bool) -> str:
    """`wall_time.time_text` with the halves of the day ("AM", "PM") in the active language."""
    if not twelve_hour:  # no words to look up: written for every message of a burst
        return time_text(wall, False)
    return time_text(wall, True, halves_of_the_day())


def read_time(text: str) -> time:
    """A time of day typed by the active reader, read as `written_time` writes it: either
    clock, English am/pm, or their language's halves of the day ("8:00 nachm."). ValueError
    as `wall_time.parse_time`."""
    return parse_time(text, halves_of_the_day())


def page_time(moment: datetime | time, zone: ZoneInfo | None = None) -> str:
    """A time of day for the active reader ("8:00 PM" or "20:00"), on `zone`'s clock when
    given (else `moment` is already local)."""
    if zone is not None and isinstance(moment, datetime):
        moment = moment.astimezone(zone)
    return written_time(moment, twelve_hour_now())


def page_day_time(moment: datetime, zone: ZoneInfo | None = None) -> str:
    """"Wed 25 Mar 8:00 PM" (or "… 20:00") for the active reader, on `zone`'s clock; the
    day's and month's names in the active language."""
    local = moment.astimezone(zone) if zone is not None else moment
    # Translators: a day and a time: "Wed 25 Mar 8:00 PM".
    return gettext("%(day)s %(time)s") % {"day": page_day(local),
                                          "time": written_time(local, twelve_hour_now())}


def page_day(day: date, weekday: bool = True) -> str:
    """"Wed 25 Mar" (or "25 Mar" without the `weekday`), names in the active language."""
    values = {"weekday": dateformat.format(day, "D"), "day": day.day,
              "month": dateformat.format(day, "M")}
    if weekday:
        # Translators: an abbreviated weekday, the day of the month and the abbreviated
        # month: "Wed 25 Mar".
        return gettext("%(weekday)s %(day)s %(month)s") % values
    # Translators: the day of the month and the abbreviated month: "25 Mar".
    return gettext("%(day)s %(month)s") % values


def page_date(day: date, *, weekday: bool = True, year: bool = True) -> str:
    """A whole date for the active reader, in their language's own order and words:
    "Saturday, 5 December 2026", "Samstag, 5. Dezember 2026", "sábado, 5 de diciembre de 2026";
    without the `year`, "Samstag, 5. Dezember". The one rule for a date written out on a page,
    in the report or in a message: Django's DATE_FORMAT (MONTH_DAY_FORMAT without the year)
    of the active language, after the weekday's name."""
    words = date_format(day, "DATE_FORMAT" if year else "MONTH_DAY_FORMAT")
    if not weekday:
        return words
    # Translators: a weekday's name and a date ("Saturday, 5 December 2026"); the date is
    # already in your language's order: place the weekday and the punctuation as it writes.
    return gettext("%(weekday)s, %(date)s") % {"weekday": dateformat.format(day, "l"),
                                                "date": words}


def accepted_formats() -> str:
    """The ways a time of day may be typed (`wall_time.ACCEPTED`), in the active language;
    with its own halves of the day when they are not AM and PM."""
    accepted = gettext(ACCEPTED)
    if {half.strip().lower() for half in halves_of_the_day()} == {"am", "pm"}:
        return accepted
    # Translators: %(evening)s and %(morning)s are times on the 12-hour clock with your
    # language's halves of the day ("8:00 PM", "8:30 AM"), read as well as the forms before.
    return accepted + " " + gettext("You may also write %(evening)s or %(morning)s.") % {
        "evening": written_time(time(20, 0), True), "morning": written_time(time(8, 30), True)}
