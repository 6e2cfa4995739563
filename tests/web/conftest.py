"""Page tests: requests arrive over HTTPS through a proxy, as in production."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from pulserx.accounts.models import Patient
from pulserx.reminders.models import Dose, DoseStatus, Medication, Schedule
from pulserx.reminders.planning import replan
from tests.support import https_client


@pytest.fixture
def patient_client(patient: Patient) -> Client:
    client = https_client()
    client.force_login(patient.user)
    return client


def add_medication(patient: Patient, name: str = "Metformin", times: tuple[str, ...] = ("08:00",),
                   start: date = date(2025, 1, 1), stock: int | None = 10,
                   **schedule: Any) -> Medication:
    medication = Medication.objects.create(patient=patient, name=name, strength="500 mg",
                                           stock=stock, refill_threshold=2)
    plan = Schedule.objects.create(patient=patient, medication=medication, start_date=start,
                                   times=[{"at": t, "amount": "1"} for t in times], **schedule)
    replan(plan)
    return medication


def add_dose(medication: Medication, due_at: datetime,
             status: DoseStatus = DoseStatus.NOTIFIED, **fields: Any) -> Dose:
    return Dose.objects.create(patient=medication.patient, medication=medication,
                               schedule=getattr(medication, "schedule", None), due_at=due_at,
                               amount=Decimal(1), status=status, **fields)
