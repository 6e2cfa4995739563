"""A patient's day as the pages show it: the timeline of doses and the adherence figures.

The timeline mixes Dose rows already materialised by the dispatcher with the rest of the
day's planned times, computed for display only: the dispatcher stays the only writer of doses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from pulserx.accounts.models import Patient
from pulserx.reminders.clock import day_bounds, patient_zone
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
            badge, label = "snoozed", "Snoozed"
        elif due:
            badge, label = "due", "Due"
        else:
            badge, label = "upcoming", "Upcoming"
    elif status == DoseStatus.NOTIFIED:
        badge, label = "due", "Due"
    else:
        badge, label = status.value, status.label
    return DoseState(badge=badge, label=label, late=dose.late, can_record=can_record,
                     can_snooze=status == DoseStatus.NOTIFIED)


@dataclass(frozen=True)
class TimelineEntry:
    """One line of the day: a real dose, or a planned time not yet materialised."""

    due_at: datetime
    medication: Medication | None
    amount: Decimal
    dose: Dose | None = None
    state: DoseState | None = None

    @property
    def key(self) -> str:
        if self.dose is not None:
            return f"dose-{self.dose.pk}"
        medication_id = self.medication.pk if self.medication else 0
        return f"plan-{medication_id}-{int(self.due_at.timestamp())}"


def timeline(patient: Patient, now: datetime) -> tuple[date, list[TimelineEntry]]:
    """The patient's local day containing `now`, and its doses in time order."""
    zone = patient_zone(patient)
    day = now.astimezone(zone).date()
    start, end = day_bounds(day, zone)
    entries = [TimelineEntry(due_at=d.due_at, medication=d.medication, amount=d.amount,
                             dose=d if d.pk else None,
                             state=dose_state(d, now) if d.pk else None)
               for d in doses_in(patient, start, end)]
    entries.sort(key=lambda e: (e.due_at, e.key))
    return day, entries
