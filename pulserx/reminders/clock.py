"""The patient's clock, as the reminders read it: which zone, which local day."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from pulserx.accounts.models import Patient
from pulserx.reminders.schedule import TravelPolicy, clock_zone, to_utc


def patient_zone(patient: Patient) -> ZoneInfo:
    """The zone whose wall clock the patient's reminders follow (travel policy applied)."""
    return clock_zone(patient.timezone, patient.current_timezone or None,
                      TravelPolicy(patient.travel_policy))


def local_today(patient: Patient, now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(patient_zone(patient)).date()


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant a local day begins (RFC 5545 reading when midnight is skipped)."""
    return to_utc(day, time(0, 0), zone)


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants at which local `day` and the day after it begin."""
    return day_start(day, zone), day_start(day + timedelta(days=1), zone)
