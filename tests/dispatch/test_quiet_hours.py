"""Quiet hours: push waits until they end; the inbox still fills."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
import time_machine

from pulserx.dispatch.tick import tick
from pulserx.notifications.models import Channel, Delivery, PushSubscription
from pulserx.reminders.clock import in_quiet_hours
from tests import factories as make


@pytest.mark.parametrize("local, expected", [
    (time(21, 59), False), (time(22, 0), True), (time(2, 0), True), (time(6, 59), True),
    (time(7, 0), False), (time(12, 0), False),
])
def test_an_overnight_window(local, expected):
    assert in_quiet_hours(local, time(22), time(7)) is expected


def test_a_daytime_window_and_no_window():
    assert in_quiet_hours(time(13, 30), time(13), time(14))
    assert not in_quiet_hours(time(14), time(13), time(14))
    assert not in_quiet_hours(time(13, 30), None, time(14))
    assert not in_quiet_hours(time(13, 30), time(13), time(13))


@pytest.mark.django_db
def test_a_reminder_in_quiet_hours_reaches_the_inbox_and_waits_for_the_phone(patient):
    patient.quiet_start, patient.quiet_end = time(22), time(7)
    patient.save()
    PushSubscription.objects.create(user=patient.user, p256dh="k", auth="a",
                                    endpoint="https://fcm.googleapis.com/fcm/send/x")
    day = date(2026, 3, 2)
    with time_machine.travel(datetime(2026, 3, 1, 12, tzinfo=UTC), tick=False):
        make.medication(patient, time(6, 30), time(7, 30), start=day)
    for hour, minute in ((6, 30), (7, 30)):  # London is on UTC in March
        with time_machine.travel(datetime(2026, 3, 2, hour, minute, 1, tzinfo=UTC), tick=False):
            tick()
    pushes = [Delivery.objects.get(channel=Channel.PUSH, notification__dose__due_at=datetime(
        2026, 3, 2, hour, minute, tzinfo=UTC)) for hour, minute in ((6, 30), (7, 30))]
    assert pushes[0].notification.quiet_until == datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
    assert pushes[0].next_attempt_at > datetime(2026, 3, 2, 7, 0, tzinfo=UTC)  # sent at 07:30
    assert pushes[1].notification.quiet_until is None
    doses_web = Delivery.objects.filter(channel=Channel.WEB, notification__dose__isnull=False)
    assert doses_web.count() == 2
