"""Rows for dispatcher tests, created the way the app creates them."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

from pulserx.accounts.models import Patient
from pulserx.reminders.models import Dose, Medication, Schedule
from pulserx.reminders.planning import replan
from tests.conftest import make_patient


def medication_with_schedule(patient: Patient, *times: time, start: date,
                             name: str = "Metformin", stock: int = 30) -> Medication:
    medication = Medication.objects.create(patient=patient, name=name, strength="500 mg",
                                           stock=stock)
    schedule = Schedule.objects.create(
        patient=patient, medication=medication, start_date=start,
        times=[{"at": t.strftime("%H:%M"), "amount": "1"} for t in times],
    )
    replan(schedule)
    return medication


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
