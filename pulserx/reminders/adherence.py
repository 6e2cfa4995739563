"""Adherence arithmetic: how doses went, per day, per medication, in streaks and on time.

Pure and stdlib-only (no Django): it works on `DoseRecord`s loaded elsewhere
(`pulserx.reminders.history`), so the Today page, History, the reports and the API all count
the same way, and the tests can check every figure against their own count.

The rules, in one place:

* Test reminders are not records: the loader never passes them in.
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

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

TAKEN, SKIPPED, MISSED = "taken", "skipped", "missed"
RECORDED = (TAKEN, SKIPPED, MISSED)
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


@dataclass
class Tally:
    """How a set of doses went."""

    taken: int = 0
    skipped: int = 0
    missed: int = 0
    pending: int = 0
    late: int = 0  # taken, but late (a part of `taken`)

    def add(self, record: DoseRecord, late_after: timedelta) -> None:
        if record.status == TAKEN:
            self.taken += 1
            self.late += record.is_late(late_after)
        elif record.status == SKIPPED:
            self.skipped += 1
        elif record.status == MISSED:
            self.missed += 1
        else:
            self.pending += 1

    @property
    def recorded(self) -> int:
        return self.taken + self.skipped + self.missed

    @property
    def on_time(self) -> int:
        return self.taken - self.late

    @property
    def percent(self) -> int | None:
        """Taken / recorded, rounded to a whole percent; None before anything is recorded."""
        if not self.recorded:
            return None
        return round(100 * self.taken / self.recorded)

    @property
    def rate(self) -> float | None:
        return round(self.taken / self.recorded, 4) if self.recorded else None


def tally(records: Iterable[DoseRecord], late_after: timedelta) -> Tally:
    result = Tally()
    for record in records:
        result.add(record, late_after)
    return result


@dataclass(frozen=True)
class DayCell:
    """One local day of the heat map."""

    day: date
    tally: Tally = field(default_factory=Tally)

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
    cells = {first + timedelta(days=n): DayCell(first + timedelta(days=n))
             for n in range((last - first).days + 1)}
    for record in records:
        cell = cells.get(record.due_at.astimezone(zone).date())
        if cell is not None:
            cell.tally.add(record, late_after)
    return list(cells.values())


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
    result: dict[int, MedicationAdherence] = {}
    for record in records:
        entry = result.setdefault(record.medication_id, MedicationAdherence(
            record.medication_id, {days: Tally() for days in spans}))
        age = now - record.due_at
        for days in spans:
            if timedelta(0) <= age < timedelta(days=days):
                entry.windows[days].add(record, late_after)
    return result
