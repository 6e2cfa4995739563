"""The patient's clock, as the reminders read it: which zone, which local day, quiet hours.

Every time shown to anyone is on the zone `patient_zone` returns. Functions here take any
object with the patient's clock fields (a `Patient`, or the dispatcher's typed row), so the
dispatcher's hot path and the pages apply the same rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from django.db import connection
from django.utils import timezone

from pulserx.accounts.models import User
from pulserx.reminders.schedule import TravelPolicy, clock_zone, to_utc


def database_now() -> datetime:
    """The time by the database server's clock: the one clock every worker reads for due
    times, claims and leases. A worker whose own clock runs an hour fast would otherwise
    remind an hour early (and call it late); one an hour slow would hold every reminder
    back an hour. SQLite runs on this machine, so there the two clocks are one."""
    if connection.vendor != "postgresql":
        return timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement_timestamp()")
        row = cursor.fetchone()
    assert row is not None
    moment: datetime = row[0]
    return moment


class PatientClock(Protocol):
    @property
    def timezone(self) -> str: ...
    @property
    def current_timezone(self) -> str: ...
    @property
    def travel_policy(self) -> str: ...


class QuietHours(Protocol):
    @property
    def timezone(self) -> str: ...
    @property
    def current_timezone(self) -> str: ...
    @property
    def quiet_start(self) -> time | None: ...
    @property
    def quiet_end(self) -> time | None: ...


def patient_zone(patient: PatientClock) -> ZoneInfo:
    """The zone whose wall clock the patient's reminders follow (travel policy applied)."""
    return clock_zone(patient.timezone, patient.current_timezone or None,
                      TravelPolicy(patient.travel_policy))


def reader_zone(user: User) -> ZoneInfo | None:
    """The clock a person reads times on (`reading_zone` of their own patient profile, if
    any, and the zone stored for them)."""
    return reading_zone(getattr(user, "patient", None), user.timezone)


def reading_zone(own: PatientClock | None, stored: str) -> ZoneInfo | None:
    """A patient's own reminder clock, else the zone stored for them (a caregiver's), else
    None (unknown: name the zone of every time). The dispatcher calls it with plain values."""
    if own is not None:
        return patient_zone(own)
    return ZoneInfo(stored) if stored else None


@dataclass(frozen=True, slots=True)
class Reader:
    """Who reads a message: the clock they keep (None: unknown, so every time names its
    zone), whether they write times on the 12-hour clock ("8:00 PM") or the 24-hour one, and
    the language they read (a code of settings.LANGUAGES: "de", "pt-br")."""

    zone: ZoneInfo | None
    twelve_hour: bool = False
    language: str = "en"


def reader_of(user: User) -> Reader:
    """The reader `user` is: their clock (`reader_zone`), their clock format and their
    language."""
    return Reader(reader_zone(user), user.twelve_hour, user.language or "en")


def local_today(patient: PatientClock, now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(patient_zone(patient)).date()


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant a local day begins (RFC 5545 reading when midnight is skipped)."""
    return to_utc(day, time(0, 0), zone)


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants at which local `day` and the day after it begin."""
    return day_start(day, zone), day_start(day + timedelta(days=1), zone)


def in_quiet_hours(local: time, start: time | None, end: time | None) -> bool:
    """True when `local` falls in [start, end); the window may run past midnight."""
    if start is None or end is None or start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def is_quiet(patient: QuietHours, now: datetime) -> bool:
    """Whether `now` falls in the patient's quiet hours, read on the clock where they are
    now (their sleep follows the place, whatever clock their reminders keep)."""
    zone = ZoneInfo(patient.current_timezone or patient.timezone)
    return in_quiet_hours(now.astimezone(zone).time(), patient.quiet_start, patient.quiet_end)


def quiet_ends_at(patient: QuietHours, now: datetime) -> datetime | None:
    """When the patient's quiet hours in force at `now` end (None: not quiet now). Read on
    the clock where they are now, like every quiet-hours rule.

    Inside quiet hours the inbox row is written and an open page shows it silently; push,
    email and the browser's system notification (with its sound) wait until this instant,
    and go out then only if the dose is still open (docs/reminders.md)."""
    zone = ZoneInfo(patient.current_timezone or patient.timezone)
    local = now.astimezone(zone)
    start, end = patient.quiet_start, patient.quiet_end
    if start is None or end is None or not in_quiet_hours(local.time(), start, end):
        return None
    ends = to_utc(local.date(), end, zone)
    return ends if ends > now else to_utc(local.date() + timedelta(days=1), end, zone)
