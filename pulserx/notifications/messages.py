"""The words of a notification, shared by the inbox, the live toast, Web Push and email."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from pulserx.reminders.clock import patient_zone


@dataclass(frozen=True)
class DoseFacts:
    """What a reminder says about a dose. `medication` is None for a test reminder."""

    medication: str | None
    strength: str
    form: str
    instructions: str
    amount: Decimal
    due_local: datetime


def amount_text(amount: Decimal, form: str) -> str:
    number = f"{amount.normalize():f}"
    return f"{number} {form}" if form and form != "other" else number


def describe(kind: str, facts: DoseFacts | None, *, late: bool = False, count: int = 1,
             patient_label: str = "") -> tuple[str, str]:
    """Return (title, body) for a notification of `kind`."""
    if kind == "missed_summary":
        doses = "dose" if count == 1 else "doses"
        return (f"{count} {doses} missed while reminders were paused",
                "PulseRx could not remind you in time. Review them on your Today page.")
    assert facts is not None
    at = facts.due_local.strftime("%H:%M")
    if facts.medication is None:
        return ("Test reminder", f"Your reminders work. This one was due at {at}.")
    what = " ".join(part for part in (facts.medication, facts.strength) if part)
    take = f"Take {amount_text(facts.amount, facts.form)} of {what}"
    detail = f" — {facts.instructions}" if facts.instructions else ""
    if kind == "caregiver_missed":
        return (f"{patient_label} missed a dose", f"{what}, due at {at}, was not taken.")
    if kind == "realert":
        return (f"Reminder: {what}", f"Still due since {at}. {take}{detail}.")
    late_note = f" (due at {at}, sent late)" if late else f" (due at {at})"
    return (f"Time for {what}", f"{take}{detail}{late_note}.")


@dataclass(frozen=True)
class RefillFacts:
    """What a refill reminder says: the medication, what is left, when it runs out (on the
    patient's clock)."""

    medication: str
    strength: str
    form: str
    stock: Decimal | None
    runs_out_local: datetime | None


def describe_refill(facts: RefillFacts) -> tuple[str, str]:
    """(title, body) of a refill reminder: "Time to refill Metformin 500 mg"."""
    what = " ".join(part for part in (facts.medication, facts.strength) if part)
    left = (f"{amount_text(facts.stock, facts.form)} left" if facts.stock is not None
            else "Running low")
    when = ""
    if facts.runs_out_local is not None:
        day = facts.runs_out_local
        when = f"; runs out on {day:%a} {day.day} {day:%b}"
    return (f"Time to refill {what}",
            f"{left}{when}. When you have the new pack, press Refilled on History.")


def refill_words(notification: Any) -> tuple[str, str]:
    """The words of a stored refill notification (its reminder and medication are read)."""
    reminder = notification.refill
    medication = reminder.medication
    zone = patient_zone(medication.patient)
    facts = RefillFacts(medication=medication.name, strength=medication.strength,
                        form=medication.form, stock=medication.stock,
                        runs_out_local=reminder.runs_out_at.astimezone(zone)
                        if reminder.runs_out_at else None)
    return describe_refill(facts)
