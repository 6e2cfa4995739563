"""One medication of every schedule kind, for the checks that must agree on all of them
(iCal feed, FHIR round trip). Times sit on DST edges in Europe/Berlin (spring forward
2026-03-29 02:00 -> 03:00, fall back 2026-10-25 03:00 -> 02:00)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from pulserx.accounts.models import Patient
from pulserx.reminders.models import Medication, Schedule
from pulserx.reminders.planning import replan

START = date(2026, 3, 20)


def t(at: str, amount: str = "1", **anchor: Any) -> dict[str, Any]:
    return {"at": at, "amount": amount, **anchor}


KINDS: dict[str, dict[str, Any]] = {
    "daily_with_gap_time": {"times": [t("02:30"), t("20:00", "2")]},
    "weekdays": {"recurrence": "weekdays", "weekdays": [0, 3, 6], "times": [t("02:30")]},
    "every_3_days": {"recurrence": "interval", "every_days": 3, "times": [t("09:00")]},
    "cycle_3_on_2_off": {"recurrence": "cycle", "days_on": 3, "days_off": 2,
                         "times": [t("07:15")]},
    "anchored": {"times": [t("07:00", anchor="breakfast", offset=-30),
                           t("22:30", anchor="bedtime", offset=0)]},
    "every_8_hours": {"recurrence": "every_hours", "every_minutes": 480,
                      "anchor_at": datetime(2026, 3, 20, 5, 0, tzinfo=UTC),
                      "dose_amount": Decimal(2)},
    "every_4_hours_waking": {"recurrence": "every_hours", "every_minutes": 240,
                             "anchor_at": datetime(2026, 3, 20, 7, 0, tzinfo=UTC),
                             "window_start": time(8, 0), "window_end": time(20, 0)},
    "every_90_minutes_10_doses": {"recurrence": "every_hours", "every_minutes": 90,
                                  "anchor_at": datetime(2026, 3, 28, 23, 0, tzinfo=UTC),
                                  "dose_count": 10},
    "taper": {"recurrence": "taper", "continue_last_phase": True, "phases": [
        {"days": 5, "times": [t("02:30", "4")]},
        {"days": 4, "times": [t("08:00", "3"), t("20:00", "1")]},
        {"days": 3, "times": [t("08:00", "1", anchor="breakfast", offset=30)]}]},
    "as_needed": {"recurrence": "as_needed", "max_doses": 4, "min_gap_minutes": 240},
}


def every_kind(patient: Patient, now: datetime) -> dict[str, Medication]:
    """Create the medications (planned from `now`), keyed by kind."""
    made = {}
    for name, fields in KINDS.items():
        medication = Medication.objects.create(patient=patient, name=f"Med {name}",
                                               strength="10 mg")
        schedule = Schedule.objects.create(patient=patient, medication=medication,
                                           start_date=START, **fields)
        replan(schedule, now)
        made[name] = medication
    return made
