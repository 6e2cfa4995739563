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
from django.utils.translation import gettext, pgettext

from pulserx.wall_time import ACCEPTED, time_text

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


def written_time(wall: time | datetime, twelve_hour: bool) -> str:
    """`wall_time.time_text` with the halves of the day ("AM", "PM") in the active language."""
    return time_text(wall, twelve_hour, (pgettext("before noon", "AM"),
                                         pgettext("after noon", "PM")))


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


def accepted_formats() -> str:
    """The ways a time of day may be typed (`wall_time.ACCEPTED`), in the active language."""
    return gettext(ACCEPTED)
