"""What each answer to Today's travel question does to the day's doses, in words, said
before the patient chooses (the rule itself is `reminders.travel.clock_choice`)."""

from __future__ import annotations

from datetime import timedelta

from pulserx.clock_format import twelve_hour_now
from pulserx.notifications.render import clock_time, medication_label, place
from pulserx.reminders.clock import Reader
from pulserx.reminders.travel import ClockChoice


def span(delta: timedelta) -> str:
    """"30 min", "1 h", "5 h 45 min"."""
    minutes = abs(int(delta.total_seconds())) // 60
    hours, minutes = divmod(minutes, 60)
    parts = ([f"{hours} h"] if hours else []) + ([f"{minutes} min"] if minutes else [])
    return " ".join(parts) or "0 min"


def choice_effect(choice: ClockChoice) -> list[str]:
    """Sentences saying what `choice` does: which clock, how the doses not yet due move,
    and each dose it puts in the past (reminded at once, not dropped)."""
    if not choice.moves:
        return ["Nothing moves: your reminders already follow this clock."]
    where = place(choice.zone)
    if not choice.later_by:
        timing = "at the same moments as now"
    else:
        direction = "later" if choice.later_by > timedelta(0) else "earlier"
        timing = f"{span(choice.later_by)} {direction} than now"
    words = [f"Doses not yet due keep their times of day on the clock in {where}, so they "
             f"come {timing}."]
    for dose in choice.moved_past:
        what = medication_label(dose.medication.name, dose.medication.strength) \
            if dose.medication else "A dose"
        at = clock_time(dose.due_at, choice.zone, Reader(choice.zone, twelve_hour_now()))
        words.append(f"{what} at {at} has "
                     f"already passed on that clock: it is still that day's dose, and you are "
                     "reminded of it at once.")
    return words
