"""Re-alerts, missed doses and caregiver escalation, with frozen time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine

from pulserx.accounts.models import CareLink, CareLinkStatus
from pulserx.dispatch.tick import tick
from pulserx.notifications.models import Channel, Delivery, Notification, NotificationKind
from pulserx.reminders import actions
from pulserx.reminders.models import Dose, DoseStatus
from tests import factories as make

pytestmark = pytest.mark.django_db
DAY = date(2026, 3, 2)
EIGHT = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # 08:00 in London


def tick_at(moment: datetime) -> None:
    with time_machine.travel(moment, tick=False):
        tick()


@pytest.fixture
def nagged(patient):
    """A patient who wants a reminder again every 15 minutes, twice at most."""
    patient.realert_every_minutes, patient.realert_limit = 15, 2
    patient.save()
    with time_machine.travel(EIGHT - timedelta(hours=12), tick=False):
        make.medication(patient, time(8), start=DAY)
    return patient


def kinds(recipient) -> list[tuple[str, int]]:
    return list(Notification.objects.filter(recipient=recipient).order_by("id")
                .values_list("kind", "sequence"))


def test_re_alerts_then_missed_then_caregivers_hear_of_it(nagged, caregiver):
    for minutes in (0, 15, 30, 45):
        tick_at(EIGHT + timedelta(minutes=minutes, seconds=1))
    assert kinds(nagged.user) == [("reminder", 0), ("realert", 1), ("realert", 2)]
    assert Dose.objects.get().status == DoseStatus.NOTIFIED
    assert kinds(caregiver) == []

    tick_at(EIGHT + timedelta(minutes=60, seconds=1))

    assert Dose.objects.get().status == DoseStatus.MISSED
    assert kinds(caregiver) == [(NotificationKind.CAREGIVER_MISSED, 0)]
    alert = Notification.objects.get(recipient=caregiver)
    assert set(Delivery.objects.filter(notification=alert).values_list("channel", flat=True)) \
        == {Channel.WEB, Channel.EMAIL}
    tick_at(EIGHT + timedelta(hours=3))
    assert Notification.objects.count() == 4  # nothing more, ever


def test_taking_the_dose_stops_re_alerts_and_escalation(nagged, caregiver):
    tick_at(EIGHT + timedelta(seconds=1))
    with time_machine.travel(EIGHT + timedelta(minutes=5), tick=False):
        actions.record_dose(Dose.objects.get().pk, DoseStatus.TAKEN, nagged.user)
    for minutes in (15, 30, 60, 120):
        tick_at(EIGHT + timedelta(minutes=minutes, seconds=1))
    assert kinds(nagged.user) == [("reminder", 0)]
    assert kinds(caregiver) == []
    assert Dose.objects.get().status == DoseStatus.TAKEN


@pytest.mark.parametrize("change", [{"status": CareLinkStatus.REVOKED},
                                    {"status": CareLinkStatus.INVITED},
                                    {"alert_on_missed": False}])
def test_only_accepted_caregivers_who_asked_hear_of_misses(nagged, caregiver, change):
    CareLink.objects.filter(caregiver=caregiver).update(**change)
    tick_at(EIGHT + timedelta(seconds=1))
    tick_at(EIGHT + timedelta(minutes=61))
    assert Dose.objects.get().status == DoseStatus.MISSED
    assert kinds(caregiver) == []


def test_a_snoozed_dose_gets_its_full_window_again(patient, caregiver):
    with time_machine.travel(EIGHT - timedelta(hours=12), tick=False):
        make.medication(patient, time(8), start=DAY)
    tick_at(EIGHT + timedelta(seconds=1))
    with time_machine.travel(EIGHT + timedelta(minutes=50), tick=False):
        actions.snooze_dose(Dose.objects.get().pk, 30)
    tick_at(EIGHT + timedelta(minutes=61))  # the first deadline has passed: not missed
    assert Dose.objects.get().status == DoseStatus.SCHEDULED
    tick_at(EIGHT + timedelta(minutes=80, seconds=1))  # the snooze rings
    assert Dose.objects.get().status == DoseStatus.NOTIFIED
    tick_at(EIGHT + timedelta(minutes=140, seconds=2))  # an hour after the snoozed reminder
    assert Dose.objects.get().status == DoseStatus.MISSED
    assert kinds(caregiver) == [(NotificationKind.CAREGIVER_MISSED, 0)]


def test_an_ignored_test_reminder_never_re_alerts_nor_reaches_caregivers(patient, caregiver):
    patient.realert_every_minutes, patient.realert_limit = 15, 2
    patient.save()
    with time_machine.travel(EIGHT, tick=False):
        test_dose = actions.send_test_reminder(patient)
    for minutes in (0, 15, 30, 45, 61, 120):
        tick_at(EIGHT + timedelta(minutes=minutes, seconds=10))
    assert kinds(patient.user) == [("reminder", 0)]
    assert kinds(caregiver) == []
    assert not Delivery.objects.filter(notification__recipient=caregiver).exists()
    test_dose.refresh_from_db()
    assert test_dose.status == DoseStatus.MISSED and test_dose.next_action_at is None


def test_test_reminders_never_count_in_adherence(patient):
    from pulserx.reminders.adherence import adherence

    with time_machine.travel(EIGHT, tick=False):
        actions.send_test_reminder(patient)
    tick_at(EIGHT + timedelta(seconds=10))
    tick_at(EIGHT + timedelta(hours=2))
    assert adherence(patient, EIGHT + timedelta(hours=3), 7).recorded == 0
