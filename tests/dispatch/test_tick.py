"""The dispatcher's steps called directly, with frozen time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine

from pulserx.dispatch.claims import claim_due_doses
from pulserx.dispatch.tick import tick
from pulserx.notifications.models import Channel, Delivery, Notification, NotificationKind
from pulserx.reminders import actions
from pulserx.reminders.models import Dose, DoseStatus, Schedule
from tests import factories as make

pytestmark = pytest.mark.django_db
DAY = date(2026, 3, 2)
EIGHT_LONDON = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # London is on GMT in March


def at(moment: datetime) -> time_machine.travel:
    return time_machine.travel(moment, tick=False)


@pytest.fixture(autouse=True)
def evening_before():
    """Medications are entered the evening before the day under test."""
    with at(EIGHT_LONDON - timedelta(hours=12)):
        yield


def test_a_due_dose_is_reminded_once_with_its_inbox_row(patient):
    make.medication(patient, time(8), start=DAY)
    with at(EIGHT_LONDON - timedelta(minutes=5)):
        tick()
    dose = Dose.objects.get()
    assert dose.status == DoseStatus.SCHEDULED and dose.due_at == EIGHT_LONDON
    with at(EIGHT_LONDON + timedelta(seconds=1)):
        report = tick()
        tick()  # a second tick finds nothing new
    dose.refresh_from_db()
    assert report.reminded == 1
    assert dose.status == DoseStatus.NOTIFIED and dose.alerts_sent == 1 and not dose.late
    assert dose.claim_token == "" and dose.lease_until is None
    notification = Notification.objects.get()
    assert (notification.kind, notification.recipient, notification.dose) == (
        NotificationKind.REMINDER, patient.user, dose)
    assert list(Delivery.objects.values_list("channel", flat=True)) == [Channel.WEB]


def test_materialising_advances_the_schedule_to_the_next_day(patient):
    make.medication(patient, time(8), time(20), start=DAY)
    with at(EIGHT_LONDON):
        tick()
    assert Schedule.objects.get().next_due_at == datetime(2026, 3, 2, 20, 0, tzinfo=UTC)


def test_a_dose_found_late_within_grace_is_delivered_and_flagged(patient, settings):
    make.medication(patient, time(8), start=DAY)
    with at(EIGHT_LONDON + timedelta(minutes=90)):
        report = tick()
    assert (report.reminded, report.late) == (1, 1)
    assert Dose.objects.get().late
    assert Notification.objects.get().late


def test_after_downtime_late_doses_are_delivered_and_older_ones_summarised(patient):
    for name, hour in (("A", 8), ("B", 9), ("C", 11), ("D", 14)):
        make.medication(patient, time(hour), start=DAY, name=name)
    with at(EIGHT_LONDON - timedelta(hours=1)):
        tick()  # the worker ticks once, then is down for two days
    with at(EIGHT_LONDON + timedelta(days=2, hours=4, minutes=30)):  # 4 March, 12:30
        report = tick()
    # 2 and 3 March: 4 doses each; 4 March: 8:00 and 9:00 are beyond the 2 h grace.
    assert report.missed_quietly == 10
    # 4 March 11:00 is 90 minutes late: still worth a reminder, marked late.
    assert (report.reminded, report.late) == (1, 1)
    summaries = Notification.objects.filter(kind=NotificationKind.MISSED_SUMMARY)
    assert [(s.recipient_id, s.count) for s in summaries] == [(patient.user_id, 10)]
    assert Notification.objects.filter(kind=NotificationKind.REMINDER, late=True).count() == 1
    assert Dose.objects.filter(status=DoseStatus.MISSED).count() == 10
    late = Dose.objects.get(late=True)  # a late reminder still gets the full hour to act
    assert late.status == DoseStatus.NOTIFIED
    assert late.next_action_at == EIGHT_LONDON + timedelta(days=2, hours=5, minutes=30)


def test_pausing_a_second_before_the_dose_means_no_reminder(patient):
    medication = make.medication(patient, time(8), start=DAY)
    with at(EIGHT_LONDON - timedelta(minutes=5)):
        tick()
    assert Dose.objects.count() == 1
    with at(EIGHT_LONDON - timedelta(seconds=1)):
        actions.set_paused(medication, True)
    with at(EIGHT_LONDON + timedelta(seconds=1)):
        tick()
    assert Notification.objects.count() == 0
    assert Dose.objects.filter(status=DoseStatus.NOTIFIED).count() == 0
    with at(EIGHT_LONDON + timedelta(hours=1)):
        actions.set_paused(medication, False)
        tick()
    assert Notification.objects.count() == 0  # resuming does not ring the past dose
    assert Schedule.objects.get().next_due_at == EIGHT_LONDON + timedelta(days=1)


def test_deleting_a_second_before_the_dose_means_no_reminder(patient):
    medication = make.medication(patient, time(8), start=DAY)
    with at(EIGHT_LONDON - timedelta(minutes=5)):
        tick()
    with at(EIGHT_LONDON - timedelta(seconds=1)):
        actions.delete_medication(medication)
    with at(EIGHT_LONDON + timedelta(seconds=1)):
        tick()
    assert Notification.objects.count() == 0 and Dose.objects.count() == 0


def test_editing_a_schedule_replans_its_undelivered_doses(patient):
    medication = make.medication(patient, time(8), start=DAY)
    with at(EIGHT_LONDON - timedelta(minutes=5)):
        tick()
        schedule = medication.schedule
        schedule.times = [{"at": "08:30", "amount": "2"}]
        schedule.save()
        from pulserx.reminders.planning import replan

        replan(schedule)
    reminders = Notification.objects.filter(dose__isnull=False)  # the refill is another story
    with at(EIGHT_LONDON + timedelta(seconds=1)):
        tick()
    assert reminders.count() == 0
    with at(EIGHT_LONDON + timedelta(minutes=30, seconds=1)):
        tick()
    dose = Dose.objects.get()
    assert dose.due_at == EIGHT_LONDON + timedelta(minutes=30) and dose.amount == 2
    assert reminders.count() == 1


def test_snooze_re_arms_the_dose_through_the_same_path(patient):
    make.medication(patient, time(8), start=DAY)
    with at(EIGHT_LONDON):
        tick()
    dose = Dose.objects.get()
    with at(EIGHT_LONDON + timedelta(minutes=2)):
        actions.snooze_dose(dose.pk, 10)
        tick()
    assert Notification.objects.count() == 1
    with at(EIGHT_LONDON + timedelta(minutes=12, seconds=1)):
        tick()
    assert list(Notification.objects.order_by("id").values_list("kind", "sequence")) == [
        (NotificationKind.REMINDER, 0), (NotificationKind.REMINDER, 1)]
    assert Dose.objects.get().status == DoseStatus.NOTIFIED


def test_an_expired_lease_is_claimed_again_and_a_live_one_is_not(patient):
    make.medication(patient, time(8), start=DAY)
    with at(EIGHT_LONDON - timedelta(minutes=5)):
        tick()
    now = EIGHT_LONDON + timedelta(seconds=1)
    first_token, first = claim_due_doses(now, 10, timedelta(seconds=30))
    _, while_leased = claim_due_doses(now + timedelta(seconds=10), 10, timedelta(seconds=30))
    second_token, after_expiry = claim_due_doses(now + timedelta(seconds=31), 10,
                                                 timedelta(seconds=30))
    assert first == after_expiry and len(first) == 1 and while_leased == []
    assert first_token != second_token


def test_a_dose_in_a_dst_gap_keeps_its_amount(other_patient):
    """02:30 does not exist in New York on 14 March 2027: it fires at 03:30 EDT (07:30 UTC)
    and is still the 02:30 dose, with the 02:30 amount."""
    spring_forward = date(2027, 3, 14)
    with at(datetime(2027, 3, 13, 12, 0, tzinfo=UTC)):
        medication = make.medication(other_patient, time(2, 30), start=spring_forward)
        schedule = medication.schedule
        schedule.times = [{"at": "02:30", "amount": "2"}]
        schedule.save()
    with at(datetime(2027, 3, 14, 7, 25, tzinfo=UTC)):
        tick()
    dose = Dose.objects.get()
    assert dose.due_at == datetime(2027, 3, 14, 7, 30, tzinfo=UTC) and dose.amount == 2


def test_a_schedule_with_an_invalid_plan_is_stopped_without_wedging_the_others(patient):
    broken = make.medication(patient, time(8), start=DAY, name="Broken").schedule
    Schedule.objects.filter(pk=broken.pk).update(times=[])  # written behind the forms' back
    make.medication(patient, time(8), start=DAY, name="Fine")
    with at(EIGHT_LONDON + timedelta(seconds=1)):
        report = tick()
    assert report.reminded == 1
    assert Schedule.objects.get(pk=broken.pk).next_due_at is None
