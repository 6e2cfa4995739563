"""Clients for the API: a signed-in browser session and a personal token."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from pulserx.accounts.models import Patient
from pulserx.api.models import ApiToken
from pulserx.reminders.models import Dose, DoseStatus, Medication, Schedule
from pulserx.reminders.planning import replan
from tests.support import https_client

API = "/api/v1"


def session_client(patient: Patient) -> Client:
    """A signed-in browser. Django's test client skips CSRF checks unless told not to."""
    client = https_client()
    client.force_login(patient.user)
    return client


def token_client(patient: Patient) -> Client:
    """A script that sends `Authorization: Bearer …` and nothing else (no cookies)."""
    _, token = ApiToken.issue(patient.user, "tests")
    return https_client(headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def api(patient: Patient) -> Client:
    return token_client(patient)


@pytest.fixture
def other_api(other_patient: Patient) -> Client:
    return token_client(other_patient)


def medication(patient: Patient, *times: str, start: date, name: str = "Metformin",
               stock: str | None = "30", amount: str = "1", **schedule: Any) -> Medication:
    """A medication with a daily schedule, created the way the app creates them."""
    med = Medication.objects.create(patient=patient, name=name, strength="500 mg",
                                    stock=Decimal(stock) if stock is not None else None)
    row = Schedule.objects.create(patient=patient, medication=med, start_date=start,
                                  times=[{"at": t, "amount": amount} for t in times],
                                  **schedule)
    replan(row)
    return med


def dose(patient: Patient, med: Medication | None, due_at: datetime,
         status: DoseStatus = DoseStatus.NOTIFIED, amount: str = "1") -> Dose:
    schedule = med.schedule if med is not None else None
    return Dose.objects.create(patient=patient, medication=med, schedule=schedule,
                               due_at=due_at, amount=Decimal(amount), status=status)
