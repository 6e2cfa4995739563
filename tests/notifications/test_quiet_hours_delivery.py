"""Quiet hours end to end: inside them a reminder writes its inbox row and shows silently,
push and email wait, and both go out when quiet hours end if the dose is still open. Real
SMTP server on loopback; the dispatcher ticks with frozen time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine

from pulserx.accounts.models import Patient
from pulserx.dispatch import fanout
from pulserx.dispatch.tick import tick
from pulserx.notifications import inbox
from pulserx.notifications.models import (
    Channel,
    Delivery,
    DeliveryCause,
    DeliveryStatus,
    Notification,
)
from pulserx.notifications.sending import attempt_delivery
from pulserx.reminders.actions import record_dose
from pulserx.reminders.models import Dose, DoseStatus
from tests import factories as make
from tests.notifications.conftest import Mailbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The delivery ids handed to the slow-channel tasks; the test runs them as the worker
    would (its process cannot share the frozen clock)."""
    ids: list[int] = []
    monkeypatch.setattr(fanout, "enqueue_deliveries",
                        lambda due: ids.extend(pk for pk, *_ in due))
    return ids


def page_payload(notification: Notification) -> dict:  # type: ignore[type-arg]
    """What the page gets for it, live or from /inbox/since."""
    found = inbox.with_words(Notification.objects.filter(pk=notification.pk))
    return inbox.payloads(list(found))[0]


def sleeper(patient: Patient, zone: str = "Europe/London") -> Patient:
    patient.timezone, patient.notify_email = zone, True
    patient.quiet_start, patient.quiet_end = time(22), time(7)
    patient.missed_after_minutes = 12 * 60  # still open when the night ends
    patient.save()
    return patient


def run(sent: list[int]) -> None:
    for delivery_id in sent:
        attempt_delivery(delivery_id)
    sent.clear()


def tick_at(moment: datetime) -> None:
    with time_machine.travel(moment, tick=False):
        tick()


def test_a_reminder_before_midnight_waits_until_morning(patient, smtp_server: Mailbox, sent):
    sleeper(patient)
    with time_machine.travel(datetime(2026, 6, 1, 12, tzinfo=UTC), tick=False):
        make.medication(patient, time(23, 30), start=date(2026, 6, 1))
    tick_at(datetime(2026, 6, 1, 22, 30, 1, tzinfo=UTC))  # 23:30 in London (BST)

    notification = Notification.objects.get()
    assert page_payload(notification)["quiet"] is True  # silent on the page
    assert sent == [] and smtp_server.envelopes == []
    held = Delivery.objects.get(notification=notification, channel=Channel.EMAIL)
    assert held.next_attempt_at == datetime(2026, 6, 2, 6, 0, tzinfo=UTC)  # 07:00 BST

    tick_at(datetime(2026, 6, 2, 5, 59, tzinfo=UTC))
    assert sent == []
    tick_at(datetime(2026, 6, 2, 6, 0, 1, tzinfo=UTC))
    assert sent == [held.pk]
    run(sent)
    assert len(smtp_server.envelopes) == 1
    held.refresh_from_db()
    assert held.status == DeliveryStatus.SENT


def test_a_dose_taken_in_the_night_is_not_announced_in_the_morning(patient, smtp_server,
                                                                      sent):
    sleeper(patient)
    with time_machine.travel(datetime(2026, 6, 1, 12, tzinfo=UTC), tick=False):
        make.medication(patient, time(1, 0), start=date(2026, 6, 2))
    tick_at(datetime(2026, 6, 2, 0, 0, 1, tzinfo=UTC))  # 01:00 BST, after midnight
    dose = Dose.objects.get()
    with time_machine.travel(datetime(2026, 6, 2, 0, 10, tzinfo=UTC), tick=False):
        record_dose(dose.pk, DoseStatus.TAKEN, by=patient.user)
    tick_at(datetime(2026, 6, 2, 6, 0, 1, tzinfo=UTC))
    run(sent)
    assert smtp_server.envelopes == []
    assert Delivery.objects.get(channel=Channel.EMAIL).status == DeliveryStatus.SKIPPED


def test_on_a_dst_night_quiet_hours_end_at_seven_on_the_new_clock(patient, smtp_server, sent):
    sleeper(patient)  # Europe/London springs forward at 01:00 UTC on 2026-03-29
    with time_machine.travel(datetime(2026, 3, 28, 12, tzinfo=UTC), tick=False):
        make.medication(patient, time(23, 0), start=date(2026, 3, 28))
    tick_at(datetime(2026, 3, 28, 23, 0, 1, tzinfo=UTC))  # 23:00 GMT
    held = Delivery.objects.get(channel=Channel.EMAIL)
    assert held.next_attempt_at == datetime(2026, 3, 29, 6, 0, tzinfo=UTC)  # 07:00 BST
    tick_at(datetime(2026, 3, 29, 6, 0, 1, tzinfo=UTC))
    run(sent)
    assert len(smtp_server.envelopes) == 1


def test_re_alerts_held_in_the_night_go_out_once(patient, smtp_server, sent):
    sleeper(patient)
    patient.realert_every_minutes, patient.realert_limit = 15, 2
    patient.save()
    with time_machine.travel(datetime(2026, 6, 1, 12, tzinfo=UTC), tick=False):
        make.medication(patient, time(23, 0), start=date(2026, 6, 1))
    start = datetime(2026, 6, 1, 22, 0, 1, tzinfo=UTC)
    for minutes in (0, 15, 30):
        tick_at(start + timedelta(minutes=minutes))
    assert Notification.objects.count() == 3
    tick_at(datetime(2026, 6, 2, 6, 0, 1, tzinfo=UTC))
    run(sent)
    assert len(smtp_server.envelopes) == 1
    replaced = Delivery.objects.filter(channel=Channel.EMAIL, status=DeliveryStatus.SKIPPED)
    assert replaced.count() == 2
    assert {d.cause for d in replaced} == {DeliveryCause.REPLACED}


def test_outside_quiet_hours_email_goes_at_once(patient, smtp_server, sent,
                                                django_capture_on_commit_callbacks):
    sleeper(patient)
    with time_machine.travel(datetime(2026, 6, 1, 12, tzinfo=UTC), tick=False):
        make.medication(patient, time(8, 0), start=date(2026, 6, 2))
    with django_capture_on_commit_callbacks(execute=True):
        tick_at(datetime(2026, 6, 2, 7, 0, 1, tzinfo=UTC))
    assert page_payload(Notification.objects.get())["quiet"] is False
    run(sent)
    assert len(smtp_server.envelopes) == 1


def test_held_re_alerts_of_two_doses_each_go_out_once(patient, smtp_server, sent):
    sleeper(patient)
    patient.realert_every_minutes, patient.realert_limit = 15, 2
    patient.save()
    with time_machine.travel(datetime(2026, 6, 1, 12, tzinfo=UTC), tick=False):
        make.medication(patient, time(23, 0), start=date(2026, 6, 1))
        make.medication(patient, time(23, 15), start=date(2026, 6, 1), name="Lisinopril")
    start = datetime(2026, 6, 1, 22, 0, 1, tzinfo=UTC)
    for minutes in (0, 15, 30):  # at 22:30 both re-alert in one batch
        tick_at(start + timedelta(minutes=minutes))
    tick_at(datetime(2026, 6, 2, 6, 0, 1, tzinfo=UTC))
    run(sent)
    assert len(smtp_server.envelopes) == 2  # one per dose
