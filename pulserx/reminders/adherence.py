"""Adherence: how doses went, per day, per medication, in streaks and on time. The Today
page, History, the report and the API all count with this one module, so they always agree.

The arithmetic works on `DoseRecord`s (plain values, no queries: `pulserx.reminders.history`
loads them), so the tests can check every figure against their own count; `adherence()` is
the Today page's and the API's aggregate over the last days.

The rules, in one place:

* Test reminders never count: the loaders leave them out.
* A window of N days is the doses due in (now - N days, now].
* Adherence is taken / (taken + skipped + missed). Doses still open (upcoming, due, snoozed)
  are *pending* and count nowhere else; None before anything is recorded.
* A dose is *late* when it was taken more than `late_after` after its due time (the
  `PULSERX_ON_TIME_WINDOW` setting, 60 minutes by default); otherwise on time.
* Days are local days on the patient's reminder clock (a DST day has 23 or 25 hours).
* A day is *fully taken* when it had doses and all of them were taken. Days without doses
  (a paused stretch, the off days of a cycle) are neutral: they neither break a streak nor
  extend it. Today does not break the current streak while any of its doses is still open.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count

from pulserx.accounts.models import Patient
from pulserx.reminders.models import Dose, DoseStatus

TAKEN, SKIPPED, MISSED = "taken", "skipped", "missed"
RECORDED = (TAKEN, SKIPPED, MISSED)
WINDOWS = (7, 30)  # the periods the Today page and the API's /adherence offer, in days
# Heat-map shades: 0 (nothing taken) .. 4 (all taken), from the share taken.
LEVELS = 4


@dataclass(frozen=True)
class DoseRecord:
    """One dose as adherence sees it (times aware UTC)."""

    dose_id: int
    medication_id: int
    due_at: datetime
    status: str
    acted_at: datetime | None

    def is_late(self, late_after: timedelta) -> bool:
        return (self.status == TAKEN and self.acted_at is not None
                and self.acted_at - self.due_at > late_after)


@dataclass(frozen=True, kw_only=True)
class Tally:
    """How a set of doses went."""

    taken: int = 0
    skipped: int = 0
    missed: int = 0
    pending: int = 0
    late: int = 0  # taken, but late (a part of `taken`)

    @property
    def recorded(self) -> int:
        return self.taken + self.skipped + self.missed

    @property
    def on_time(self) -> int:
        return self.taken - self.late

    @property
    def rate(self) -> float | None:
        """Taken / recorded, or None before any dose is recorded."""
        return self.taken / self.recorded if self.recorded else None

    @property
    def percent(self) -> int | None:
        rate = self.rate
        return None if rate is None else round(100 * rate)


def tally(records: Iterable[DoseRecord], late_after: timedelta) -> Tally:
    counts: Counter[str] = Counter()
    for record in records:
        counts[record.status if record.status in RECORDED else "pending"] += 1
        counts["late"] += record.is_late(late_after)
    return Tally(taken=counts[TAKEN], skipped=counts[SKIPPED], missed=counts[MISSED],
                 pending=counts["pending"], late=counts["late"])


@dataclass(frozen=True)
class DayCell:
    """One local day of the heat map."""

    day: date
    tally: Tally

    @property
    def has_doses(self) -> bool:
        return bool(self.tally.recorded or self.tally.pending)

    @property
    def fully_taken(self) -> bool:
        return self.tally.taken > 0 and self.tally.taken == self.tally.recorded \
            and not self.tally.pending

    @property
    def level(self) -> int | None:
        """The shade: None without recorded doses, else 0..LEVELS by the share taken."""
        if not self.tally.recorded:
            return None
        return round(LEVELS * self.tally.taken / self.tally.recorded)


def day_cells(records: Iterable[DoseRecord], zone: ZoneInfo, first: date, last: date,
              late_after: timedelta) -> list[DayCell]:
    """A cell for every local day from `first` to `last` (inclusive), oldest first."""
    by_day: dict[date, list[DoseRecord]] = defaultdict(list)
    for record in records:
        by_day[record.due_at.astimezone(zone).date()].append(record)
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return [DayCell(day, tally(by_day.get(day, ()), late_after)) for day in days]


@dataclass(frozen=True)
class Streaks:
    current: int  # fully-taken days up to today (today only once it is fully taken)
    longest: int


def streaks(cells: list[DayCell], today: date) -> Streaks:
    """Current and longest runs of fully-taken days (cells oldest first, up to `today`)."""
    longest = run = 0
    for cell in cells:
        if not cell.has_doses:
            continue
        if cell.fully_taken:
            run += 1
            longest = max(longest, run)
        elif not (cell.day == today and cell.tally.recorded == cell.tally.taken):
            run = 0  # a skipped or missed dose ends the run; today's open doses do not
    return Streaks(current=run, longest=longest)


@dataclass(frozen=True)
class MedicationAdherence:
    medication_id: int
    windows: dict[int, Tally]  # days → tally of the doses due in the last that many days


def by_medication(records: Iterable[DoseRecord], now: datetime, windows: Iterable[int],
                  late_after: timedelta) -> dict[int, MedicationAdherence]:
    """Per medication, a tally of the doses due in (now - days, now] for each window."""
    spans = sorted(set(windows))
    by_medication: dict[int, list[DoseRecord]] = defaultdict(list)
    for record in records:
        by_medication[record.medication_id].append(record)
    return {medication_id: MedicationAdherence(medication_id, {
        days: tally((r for r in own if timedelta(0) <= now - r.due_at < timedelta(days=days)),
                    late_after) for days in spans})
        for medication_id, own in by_medication.items()}


# --- the Today page's and the API's aggregate over the last days

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
