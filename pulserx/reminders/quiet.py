"""Quiet hours: the one definition of when they hold reminders back and until when.

Inside quiet hours a patient's reminder still writes its inbox row and shows silently on an
open page; push, email and the browser's system notification (with its sound) are held back
and go out when quiet hours end, if the dose is still open then. Pure: no Django import.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from pulserx.reminders.schedule import to_utc


def in_quiet_hours(local: time, start: time | None, end: time | None) -> bool:
    """True when `local` falls in [start, end); the window may run past midnight."""
    if start is None or end is None or start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def quiet_until(now: datetime, zone: ZoneInfo, start: time | None,
                end: time | None) -> datetime | None:
    """The instant the quiet hours containing `now` end, or None outside quiet hours. The
    end is a wall time of the local day (RFC 5545 reading inside a DST gap), so a quiet
    night is as long as the clocks make it, 22:00 to 07:00 included on a DST night."""
    local = now.astimezone(zone)
    if not in_quiet_hours(local.time().replace(tzinfo=None), start, end):
        return None
    assert end is not None
    day = local.date()
    if local.time().replace(tzinfo=None) >= end:  # before midnight in a window crossing it
        day += timedelta(days=1)
    return to_utc(day, end, zone)
