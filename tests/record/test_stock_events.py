"""Stock is kept as events; it never goes below 0, and a dose taken at 0 still counts."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import Client

from pulserx.accounts.models import Patient
from pulserx.reminders.actions import record_dose
from pulserx.reminders.models import (
    Dose,
    DoseStatus,
    Medication,
    RefillReminder,
    RefillStage,
    StockEvent,
    StockEventKind,
)
from pulserx.reminders.planning import replan
from pulserx.reminders.stock import StockError, refill
from tests.api.conftest import API, token_client
from tests.factories import dose, medication

pytestmark = pytest.mark.django_db
MONDAY = datetime(2026, 12, 14, 6, 0, tzinfo=UTC)


def test_the_count_is_explained_by_its_events(patient: Patient) -> None:
    with time_machine.travel(MONDAY, tick=False):
        med = medication(patient, "08:00", start=date(2026, 12, 14), stock="3", amount="2",
                         refill_threshold=None)
        med.pack_size = Decimal(28)
        med.save()
        first = dose(med, MONDAY + timedelta(hours=2), amount="2")
        record_dose(first.pk, DoseStatus.TAKEN, patient.user)
        refill(med.pk, patient.user, MONDAY)
        med.refresh_from_db()
        med.stock = Decimal(20)
        med.save()
    events = list(StockEvent.objects.filter(medication=med).order_by("at", "pk"))
    assert [(e.kind, e.change, e.stock_after) for e in events] == [
        (StockEventKind.CORRECTED, Decimal(3), Decimal(3)),
        (StockEventKind.TAKEN, Decimal(-2), Decimal(1)),
        (StockEventKind.REFILLED, Decimal(28), Decimal(29)),
        (StockEventKind.CORRECTED, Decimal(-9), Decimal(20)),
    ]
    assert sum(e.change for e in events) == Medication.objects.get(pk=med.pk).stock


def test_taking_at_zero_records_the_dose_and_says_the_stock_was_empty(
        client: Client, patient: Patient) -> None:
    with time_machine.travel(MONDAY, tick=False):
        med = medication(patient, "08:00", start=date(2026, 12, 14), stock="0.5",
                         refill_threshold=None)
        first = dose(med, MONDAY - timedelta(hours=1))
        second = dose(med, MONDAY - timedelta(minutes=30))
        api = token_client(patient)
        body = json.loads(api.post(f"{API}/doses/{first.pk}/take").content)
        assert body["status"] == "taken" and body["stock_was_empty"] is True
        client.force_login(patient.user)
        page = client.post(f"/doses/{second.pk}/take", follow=True).content.decode()
    assert "The stock was empty" in page
    assert Dose.objects.get(pk=second.pk).status == DoseStatus.TAKEN
    assert Medication.objects.get(pk=med.pk).stock == 0
    taken = StockEvent.objects.filter(medication=med, kind=StockEventKind.TAKEN)
    assert [(e.change, e.stock_after, e.was_short) for e in taken.order_by("pk")] == [
        (Decimal("-0.5"), Decimal(0), True), (Decimal(0), Decimal(0), True)]


def test_refilled_needs_a_pack_size_or_an_amount(patient: Patient, client: Client) -> None:
    med = Medication.objects.create(patient=patient, name="Metformin", stock=Decimal(2))
    with pytest.raises(StockError):
        refill(med.pk, patient.user, MONDAY)
    client.force_login(patient.user)
    page = client.post(f"/medications/{med.pk}/refill", {"amount": "lots"},
                       follow=True).content.decode()
    assert "as a number" in page
    page = client.post(f"/medications/{med.pk}/refill", {"amount": "30"},
                       follow=True).content.decode()
    assert "Refilled: 32 in stock." in page
    assert Medication.objects.get(pk=med.pk).refill_cycle == 1


def test_another_patient_cannot_refill(client: Client, patient: Patient,
                                       other_patient: Patient) -> None:
    med = Medication.objects.create(patient=patient, name="Metformin", stock=Decimal(2))
    client.force_login(other_patient.user)
    assert client.post(f"/medications/{med.pk}/refill", {"amount": "30"}).status_code == 404
    assert Medication.objects.get(pk=med.pk).stock == 2


def test_refill_reminders_are_planned_from_the_forecast(patient: Patient) -> None:
    with time_machine.travel(MONDAY, tick=False):
        med = medication(patient, "08:00", "20:00", start=date(2026, 12, 14), stock="10",
                         refill_threshold=None)
        med.refill_lead_days, med.refill_threshold = 3, Decimal(4)
        med.save()
        replan(med.schedule)
    rows = {r.stage: r for r in RefillReminder.objects.filter(medication=med)}
    # Ten tablets cover Mon 08:00 .. Fri 20:00; Sat 08:00 is the first dose without one.
    assert rows[RefillStage.LEAD].runs_out_at == datetime(2026, 12, 19, 8, tzinfo=UTC)
    assert rows[RefillStage.LEAD].due_at == datetime(2026, 12, 16, 8, tzinfo=UTC)
    # 4 left after the sixth dose, Wed 20:00.
    assert rows[RefillStage.THRESHOLD].due_at == datetime(2026, 12, 16, 20, tzinfo=UTC)
