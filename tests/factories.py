"""Rows for tests, created the way the app creates them: the one factory module."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from pulserx.accounts.models import Patient, User
from pulserx.reminders.models import Dose, DoseStatus, Medication, Schedule
from pulserx.reminders.planning import replan
from pulserx.reminders.schedule import Recurrence

START = date(2025, 1, 1)


def make_patient(email: str, tz: str = "Europe/London", **fields: object) -> Patient:
    """A patient whose address is verified (as after following the sign-up email)."""
    user = User.objects.create_user(email, "correct horse battery", first_name=email.split("@")[0],
                                    email_verified=True)
    return Patient.objects.create(user=user, timezone=tz, **fields)


def medication(patient: Patient, *at: str | time, times: Sequence[str | time] = (),
               start: date = START, name: str = "Metformin", strength: str = "500 mg",
               stock: int | str | None = 10, refill_threshold: int | str | None = 2,
               amount: str = "1", **schedule: Any) -> Medication:
    """A medication with a schedule (daily at 08:00 unless told), its reminders planned."""
    walls = [t if isinstance(t, str) else t.strftime("%H:%M") for t in (*at, *times)]
    med = Medication.objects.create(
        patient=patient, name=name, strength=strength,
        stock=Decimal(str(stock)) if stock is not None else None,
        refill_threshold=Decimal(str(refill_threshold)) if refill_threshold is not None
        else None)
    row = Schedule.objects.create(patient=patient, medication=med, start_date=start,
                                  times=[{"at": t, "amount": amount} for t in walls or ["08:00"]],
                                  **schedule)
    replan(row)
    return med


def dose(med: Medication | None, due_at: datetime, status: DoseStatus = DoseStatus.NOTIFIED,
         *, patient: Patient | None = None, amount: str = "1", **fields: Any) -> Dose:
    """A stored dose of `med` (None with `patient`: a test reminder)."""
    owner = patient or (med.patient if med is not None else None)
    assert owner is not None
    schedule = getattr(med, "schedule", None) if med is not None else None
    return Dose.objects.create(patient=owner, medication=med, schedule=schedule, due_at=due_at,
                               amount=Decimal(amount), status=status, **fields)


def due_doses(count: int, due_at: datetime, patients: int = 100) -> list[int]:
    """`count` doses due at `due_at`, spread over `patients` patients, each with its own
    medication (bulk-inserted, as the materialise step would)."""
    people = [make_patient(f"bulk{n}@example.org") for n in range(patients)]
    medications = Medication.objects.bulk_create(
        [Medication(patient=p, name="Metformin", stock=100) for p in people])
    doses = [
        Dose(patient=people[n % patients], medication=medications[n % patients],
             due_at=due_at, next_action_at=due_at, amount=Decimal(1))
        for n in range(count)
    ]
    Dose.objects.bulk_create(doses, batch_size=2000)
    return list(Dose.objects.values_list("id", flat=True))


def busy_account(patient: Patient, medications: int, every_minutes: int = 15,
                 anchor: datetime | None = None) -> None:
    """The busiest account the rules allow: `medications` medications, each every
    `every_minutes` of elapsed time (the API's least is 15)."""
    start = anchor or datetime.combine(START, time(6), tzinfo=UTC)
    for n in range(medications):
        med = Medication.objects.create(patient=patient, name=f"Medication {n}")
        replan(Schedule.objects.create(
            patient=patient, medication=med, recurrence=Recurrence.EVERY_HOURS,
            every_minutes=every_minutes, anchor_at=start + timedelta(minutes=n % every_minutes),
            start_date=start.date()))
