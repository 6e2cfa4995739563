"""Days of supply: when a medication's stock runs out, from the stock and the schedule itself.

The forecast walks the schedule's own occurrences (`schedule.occurrences`, so every N days,
cycles and DST behave exactly as the reminders do), assuming every dose from now on is
taken with its scheduled amount. Doses already due but still open count as about to be
taken. The walk is bounded: at most `HORIZON` ahead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pulserx.clock_format import page_day
from pulserx.reminders.clock import patient_zone
from pulserx.reminders.models import OPEN_STATUSES, Dose, Medication, Schedule
from pulserx.reminders.schedule import Recurrence, timed_occurrences, to_utc

HORIZON = timedelta(days=366)


@dataclass(frozen=True)
class Forecast:
    """What the stock covers. `runs_out_at` is the first dose it cannot cover (None: not
    within the horizon); `threshold_at` the dose after which it is at or below the refill
    threshold (None without a threshold)."""

    stock: Decimal
    zone: ZoneInfo
    runs_out_at: datetime | None
    threshold_at: datetime | None
    lead_days: int

    @property
    def lead_at(self) -> datetime | None:
        """`lead_days` days before running out, at the same wall time on the patient's clock."""
        if self.runs_out_at is None:
            return None
        local = self.runs_out_at.astimezone(self.zone)
        return to_utc(local.date() - timedelta(days=self.lead_days),
                      local.time().replace(tzinfo=None), self.zone)

    def days_left(self, now: datetime) -> int | None:
        if self.runs_out_at is None:
            return None
        return (self.runs_out_at.astimezone(self.zone).date()
                - now.astimezone(self.zone).date()).days

    def runs_out_words(self) -> str:
        """'runs out on Thu 18 Dec', or that it lasts beyond the horizon."""
        if self.runs_out_at is None:
            return ngettext("lasts more than %(days)s day", "lasts more than %(days)s days",
                            HORIZON.days) % {"days": HORIZON.days}
        day = self.runs_out_at.astimezone(self.zone)
        # Translators: %(day)s is like "Thu 18 Dec".
        return _("runs out on %(day)s") % {"day": page_day(day)}


def schedule_of(medication: Medication) -> Schedule | None:
    schedule: Schedule | None = getattr(medication, "schedule", None)
    return schedule


def forecast(medication: Medication, now: datetime) -> Forecast | None:
    """The medication's supply forecast at `now`; None when it has no count to forecast
    (no stock kept, doses in a measured unit, paused, as-needed or no usable schedule)."""
    schedule = schedule_of(medication)
    if (medication.stock is None or not medication.counts_stock or medication.paused
            or schedule is None):
        return None
    try:
        plan = schedule.plan()
    except ValueError:
        return None
    if plan.recurrence is Recurrence.AS_NEEDED:
        return None
    zone = patient_zone(medication.patient)
    left = medication.stock - open_amounts(medication, now)
    threshold = medication.refill_threshold
    threshold_at = now if threshold is not None and left <= threshold else None
    runs_out_at = None
    amounts = schedule.amounts()
    for due_at, wall, _day in timed_occurrences(plan, zone, now, now + HORIZON):
        amount = amounts.get(wall, Decimal(1))
        if left < amount:
            runs_out_at = due_at
            break
        left -= amount
        if threshold is not None and threshold_at is None and left <= threshold:
            threshold_at = due_at
    return Forecast(stock=medication.stock, zone=zone, runs_out_at=runs_out_at,
                    threshold_at=threshold_at, lead_days=medication.refill_lead_days)


def open_amounts(medication: Medication, now: datetime) -> Decimal:
    """What the doses already due but not yet recorded will take from the stock."""
    amounts = Dose.objects.filter(medication=medication, status__in=OPEN_STATUSES,
                                  due_at__lte=now).values_list("amount", flat=True)
    return sum(amounts, Decimal(0))
