"""A patient's day as the pages show it: the timeline of doses and the adherence figures.

The timeline mixes Dose rows already materialised by the dispatcher with the rest of the
day's planned times, computed for display only: the dispatcher stays the only writer of doses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils.translation import pgettext

from pulserx.accounts.models import Patient
from pulserx.reminders.clock import day_bounds, patient_zone
from pulserx.reminders.corrections import can_correct, can_record_early
from pulserx.reminders.models import Dose, DoseStatus, Medication
from pulserx.reminders.planning import doses_in


@dataclass(frozen=True)
class DoseState:
    """What a dose looks like to a person at `now`: a badge and the buttons it offers."""

    badge: str           # upcoming | snoozed | due | taken | skipped | missed
    label: str
    late: bool
    can_record: bool     # take / skip
    can_snooze: bool
    can_correct: bool = False  # a recording that can still be put right
    can_record_early: bool = False  # upcoming: take early / skip ahead

    @property
    def tone(self) -> str:
        """The colour of the badge, named like the stylesheet's status badges."""
        return {"upcoming": "scheduled", "snoozed": "scheduled", "due": "notified"}.get(
            self.badge, self.badge)


def dose_state(dose: Dose, now: datetime) -> DoseState:
    status = DoseStatus(dose.status)
    due = dose.due_at <= now
    can_record = due and status.can_record
    if status == DoseStatus.SCHEDULED:
        if dose.snoozed_until and dose.snoozed_until > now:
            badge, label = "snoozed", pgettext("dose status", "Snoozed")
        elif due:
            badge, label = "due", pgettext("dose status", "Due")
        else:
            badge, label = "upcoming", pgettext("dose status", "Upcoming")
    elif status == DoseStatus.NOTIFIED:
        badge, label = "due", pgettext("dose status", "Due")
    else:
        badge, label = status.value, str(status.label)
    return DoseState(badge=badge, label=label, late=dose.late, can_record=can_record,
                     can_snooze=status == DoseStatus.NOTIFIED,
                     can_correct=can_correct(dose, now),
                     can_record_early=can_record_early(dose, now))


@dataclass(frozen=True)
class TimelineEntry:
    """One line of the day: a real dose, or a planned time not yet materialised."""

    due_at: datetime
    medication: Medication | None
    amount: Decimal
    dose: Dose | None = None
    state: DoseState | None = None
    schedule_id: int | None = None
    early: bool = False  # a planned dose near enough to take early or skip ahead

    @property
    def key(self) -> str:
        if self.dose is not None:
            return f"dose-{self.dose.pk}"
        medication_id = self.medication.pk if self.medication else 0
        return f"plan-{medication_id}-{int(self.due_at.timestamp())}"


def timeline(patient: Patient, now: datetime,
             for_caregiver: bool = False) -> tuple[date, list[TimelineEntry], bool]:
    """The patient's local day containing `now`, and its doses in time order: all of them,
    or on a day with more than DAY_LIMIT, the first DAY_LIMIT from an hour ago on (what is
    due now stays in view), and whether it was such a day. A caregiver sees the patient's
    medications only: a test reminder proves the patient's delivery and is theirs alone."""
    zone = patient_zone(patient)
    day = now.astimezone(zone).date()
    start, end = day_bounds(day, zone)
    doses = doses_in(patient, start, end, limit=DAY_LIMIT + 1)
    clipped = len(doses) > DAY_LIMIT
    if clipped:
        doses = doses_in(patient, max(start, now - RECENT), end, limit=DAY_LIMIT)
    entries = [TimelineEntry(due_at=d.due_at, medication=d.medication, amount=d.amount,
                             dose=d if d.pk else None,
                             state=dose_state(d, now) if d.pk else None,
                             schedule_id=d.schedule_id, early=can_record_early(d, now))
               for d in doses if not (for_caregiver and d.is_test)]
    entries.sort(key=lambda e: (e.due_at, e.key))
    return day, entries, clipped


# Enough for any day a person keeps (100 medications at 2 times a day); a busier plan's day
# would be a page nobody reads and whose planning has no bound.
DAY_LIMIT = 200
RECENT = timedelta(hours=1)
