"""Refill reminders with frozen time: once per refill cycle, on the right day, on every
channel the patient chose; "Refilled" starts a new cycle."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine

from pulserx.accounts.models import Patient
from pulserx.dispatch.tick import tick
from pulserx.notifications.models import Channel, Delivery, DeliveryStatus, Notification
from pulserx.notifications.sending import attempt_delivery
from pulserx.reminders.actions import record_dose
from pulserx.reminders.models import Dose, DoseStatus, Medication, RefillReminder
from pulserx.reminders.stock import refill
from tests.factories import medication as medication_with

pytestmark = pytest.mark.django_db
MONDAY = datetime(2026, 12, 14, 7, 0, tzinfo=UTC)  # London keeps UTC in December


def live_through(patient: Patient, start: datetime, hours: int) -> list[datetime]:
    """Run the dispatcher every 15 minutes from `start`, take every dose it reminds of, send
    what the slow channels were handed; return when refill reminders reached the inbox."""
    seen: list[datetime] = []
    for step in range(hours * 4):
        now = start + timedelta(minutes=15 * step)
        with time_machine.travel(now, tick=False):
            tick()
            for delivery in Delivery.objects.filter(status=DeliveryStatus.PENDING):
                attempt_delivery(delivery.pk)
            for dose in Dose.objects.filter(patient=patient, status=DoseStatus.NOTIFIED):
                record_dose(dose.pk, DoseStatus.TAKEN, patient.user)
        fresh = Notification.objects.filter(kind="refill", created_at__gte=start).exclude(
            created_at__in=seen)
        seen += [n.created_at for n in fresh]
    return seen


def ten_tablets(patient: Patient) -> Medication:
    with time_machine.travel(MONDAY - timedelta(hours=1), tick=False):
        medication = medication_with(patient, time(8), time(20), start=date(2026, 12, 14),
                                     stock=10, refill_threshold=None)
        medication.refill_lead_days = 3
        medication.pack_size = Decimal(30)
        medication.save()
    return medication


def test_reminded_once_three_days_before_running_out_on_every_channel(
        patient: Patient, push_service, smtp_server) -> None:
    patient.notify_email = True
    patient.save()
    push_service.subscribe(patient.user)
    medication = ten_tablets(patient)

    sent = live_through(patient, MONDAY, hours=24 * 6)

    # Ten tablets cover Mon 08:00 to Fri 20:00; the first dose without one is Sat 08:00.
    assert sent == [datetime(2026, 12, 16, 8, 0, tzinfo=UTC)]  # Wed, three days before
    notification = Notification.objects.get(kind="refill")
    deliveries = {d.channel: d.status for d in notification.deliveries.all()}
    assert deliveries == {Channel.WEB: DeliveryStatus.SENT, Channel.PUSH: DeliveryStatus.SENT,
                          Channel.EMAIL: DeliveryStatus.SENT}
    [push] = [p for p in push_service.received if p.payload and p.payload["kind"] == "refill"]
    assert "Metformin" in push.payload["title"]
    [mail] = [e for e in smtp_server.envelopes if b"refill" in e.content.lower()]
    assert b"Sat 19 Dec" in mail.content
    assert Medication.objects.get(pk=medication.pk).stock == 0


def test_refilled_stops_further_reminders_and_starts_a_new_cycle(patient: Patient) -> None:
    medication = ten_tablets(patient)
    first = live_through(patient, MONDAY, hours=24 * 3)  # to Thu 07:00
    assert first == [datetime(2026, 12, 16, 8, 0, tzinfo=UTC)]
    with time_machine.travel(datetime(2026, 12, 17, 7, 30, tzinfo=UTC), tick=False):
        refill(medication.pk, patient.user, datetime(2026, 12, 17, 7, 30, tzinfo=UTC))
    # Six taken, so 4 + 30 = 34 from Thu 08:00: 17 days, to Sat 2 Jan. Out on Sun 3 Jan.
    later = live_through(patient, datetime(2026, 12, 17, 7, 45, tzinfo=UTC), hours=24 * 5)
    assert later == []
    armed = RefillReminder.objects.get(medication=medication, sent_at__isnull=True)
    assert armed.cycle == 1 and armed.due_at == datetime(2026, 12, 31, 8, 0, tzinfo=UTC)


def test_quiet_hours_hold_the_refill_reminder_until_they_end(patient: Patient) -> None:
    patient.quiet_start, patient.quiet_end = time(7), time(9)
    patient.save()
    ten_tablets(patient)
    sent = live_through(patient, MONDAY, hours=24 * 3)
    assert sent == [datetime(2026, 12, 16, 9, 0, tzinfo=UTC)]


def test_a_skipped_dose_moves_the_reminder_later(patient: Patient) -> None:
    medication = ten_tablets(patient)
    with time_machine.travel(MONDAY + timedelta(hours=1, minutes=1), tick=False):
        tick()
        dose = Dose.objects.get(patient=patient, status=DoseStatus.NOTIFIED)
        record_dose(dose.pk, DoseStatus.SKIPPED, patient.user)
    armed = RefillReminder.objects.get(medication=medication)
    assert armed.due_at == datetime(2026, 12, 16, 20, 0, tzinfo=UTC)


def test_the_refill_reminder_reads_the_same_in_the_inbox_page_and_the_api(
        patient: Patient, client) -> None:
    ten_tablets(patient)
    live_through(patient, MONDAY, hours=24 * 3)
    title, body = "Time to refill Metformin 500 mg", "runs out on Sat 19 Dec"
    client.force_login(patient.user)
    with time_machine.travel(datetime(2026, 12, 16, 9, 0, tzinfo=UTC), tick=False):
        page = client.get("/inbox/").content.decode()
        api = client.get("/api/v1/notifications").json()
    assert title in page and body in page
    [entry] = [n for n in api if n["type"] == "refill"]
    assert entry["title"] == title and body in entry["body"] and entry["actionable"] is False
