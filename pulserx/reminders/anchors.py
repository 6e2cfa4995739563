"""Times anchored to the patient's day: "30 min before breakfast", "at bedtime".

Pure and stdlib-only. The patient says when they usually wake, eat and go to bed; a dose time
names one of those moments and an offset in minutes. Resolving gives the ordinary wall time
the rest of the schedule math works with, so when the patient changes their day every
anchored time moves with it (the Django side re-plans the doses not yet reminded).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum

__all__ = ["DayAnchor", "PatientDay", "anchored_label", "resolve"]

MAX_OFFSET_MINUTES = 180


class DayAnchor(StrEnum):
    WAKE = "wake"
    BREAKFAST = "breakfast"
    LUNCH = "lunch"
    DINNER = "dinner"
    BEDTIME = "bedtime"


ANCHOR_WORDS = {
    DayAnchor.WAKE: ("on waking", "waking"),
    DayAnchor.BREAKFAST: ("at breakfast", "breakfast"),
    DayAnchor.LUNCH: ("at lunch", "lunch"),
    DayAnchor.DINNER: ("at dinner", "dinner"),
    DayAnchor.BEDTIME: ("at bedtime", "bedtime"),
}


@dataclass(frozen=True)
class PatientDay:
    """When the patient usually wakes, eats and goes to bed (naive local wall times)."""

    wake: time = time(7, 0)
    breakfast: time = time(7, 30)
    lunch: time = time(12, 30)
    dinner: time = time(18, 30)
    bedtime: time = time(22, 30)

    def at(self, anchor: DayAnchor) -> time:
        value: time = getattr(self, DayAnchor(anchor).value)
        return value


def resolve(day: PatientDay, anchor: DayAnchor, offset_minutes: int) -> time:
    """The wall time ``offset_minutes`` after (negative: before) the anchor of ``day``.

    Raises ValueError for an offset beyond three hours or one that leaves the day (a dose
    "before waking" at 06:30 - 7 h would otherwise land on the previous evening).
    """
    if abs(offset_minutes) > MAX_OFFSET_MINUTES:
        raise ValueError(f"an offset from {anchor} must be within {MAX_OFFSET_MINUTES} minutes")
    base = datetime.combine(datetime.min.date(), day.at(anchor)) + timedelta(days=1)
    moved = base + timedelta(minutes=offset_minutes)
    if moved.date() != base.date():
        raise ValueError(f"{anchored_label(anchor, offset_minutes)} falls outside the day")
    return moved.time()


def anchored_label(anchor: DayAnchor, offset_minutes: int) -> str:
    """Words for an anchored time: "at bedtime", "30 min before breakfast"."""
    at_words, noun = ANCHOR_WORDS[DayAnchor(anchor)]
    if offset_minutes == 0:
        return at_words
    direction = "before" if offset_minutes < 0 else "after"
    return f"{abs(offset_minutes)} min {direction} {noun}"
