"""Adherence: how the doses of the last days went. The Today page and the API both count
with this one function, so they always agree.

Doses due in (now - days, now] count, test reminders aside; taken / (taken + skipped +
missed) is the rate, None before any dose is recorded. Open doses are `pending`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count

from pulserx.accounts.models import Patient
from pulserx.reminders.models import Dose, DoseStatus

WINDOWS = (7, 30)  # the periods the pages and the API offer, in days


@dataclass(frozen=True, kw_only=True)
class Tally:
    taken: int = 0
    skipped: int = 0
    missed: int = 0

    @property
    def recorded(self) -> int:
        return self.taken + self.skipped + self.missed

    @property
    def rate(self) -> float | None:
        """Taken / recorded, or None before any dose is recorded."""
        return self.taken / self.recorded if self.recorded else None

    @property
    def percent(self) -> int | None:
        rate = self.rate
        return None if rate is None else round(100 * rate)


@dataclass(frozen=True, kw_only=True)
class MedicationTally(Tally):
    medication_id: int
    name: str


@dataclass(frozen=True, kw_only=True)
class Adherence(Tally):
    days: int
    since: datetime
    pending: int
    medications: list[MedicationTally] = field(default_factory=list)


def _tally(counts: dict[str, int]) -> dict[str, int]:
    return {"taken": counts.get(DoseStatus.TAKEN, 0), "skipped": counts.get(DoseStatus.SKIPPED, 0),
            "missed": counts.get(DoseStatus.MISSED, 0)}


def adherence(patient: Patient, now: datetime, days: int) -> Adherence:
    """The patient's doses due in the last `days` days and how they went, overall and per
    medication (ordered by name)."""
    since = now - timedelta(days=days)
    rows = (Dose.objects.filter(patient=patient, medication__isnull=False, due_at__gt=since,
                                due_at__lte=now)
            .values("medication_id", "medication__name", "status")
            .annotate(n=Count("id")).order_by("medication__name", "medication_id"))
    overall: dict[str, int] = {}
    by_medication: dict[int, tuple[str, dict[str, int]]] = {}
    for row in rows:
        overall[row["status"]] = overall.get(row["status"], 0) + row["n"]
        _, counts = by_medication.setdefault(row["medication_id"],
                                             (row["medication__name"], {}))
        counts[row["status"]] = row["n"]
    pending = sum(n for status, n in overall.items() if not DoseStatus(status).is_recorded)
    medications = [MedicationTally(medication_id=pk, name=name, **_tally(counts))
                   for pk, (name, counts) in by_medication.items()]
    return Adherence(days=days, since=since, pending=pending, medications=medications,
                     **_tally(overall))
