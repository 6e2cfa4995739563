"""The inbox over the API: catching up after an id, unread only, marking read."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import time_machine

from pulserx.notifications.models import Notification, NotificationKind
from tests import factories as make
from tests.api.conftest import API

NOW = datetime(2027, 3, 1, 8, 2, tzinfo=UTC)


def notify(patient, due, kind=NotificationKind.REMINDER, minutes=0, **fields):
    return Notification.objects.create(recipient=patient.user, patient=patient, dose=due,
                                       kind=kind, created_at=NOW + timedelta(minutes=minutes),
                                       **fields)


@time_machine.travel(NOW, tick=False)
def test_after_an_id_lists_what_came_since_oldest_first(api, patient, other_patient):
    med = make.medication(patient, "08:00", start=date(2027, 1, 1))
    due = make.dose(med, datetime(2027, 3, 1, 8, tzinfo=UTC))
    first = notify(patient, due)
    second = notify(patient, due, NotificationKind.REALERT, minutes=10, sequence=1)
    summary = notify(patient, None, NotificationKind.MISSED_SUMMARY, minutes=20, count=3)
    notify(other_patient, None, NotificationKind.MISSED_SUMMARY)

    caught_up = api.get(f"{API}/notifications?after={first.pk}").json()
    newest_first = api.get(f"{API}/notifications").json()

    assert [n["id"] for n in caught_up] == [second.pk, summary.pk]
    assert [n["id"] for n in newest_first] == [summary.pk, second.pk, first.pk]
    reminder = newest_first[2]
    assert reminder["title"] == "Time for Metformin 500 mg"
    assert reminder["body"] == "Take 1 tablet of Metformin 500 mg (due at 08:00)."
    assert (reminder["type"], reminder["dose_id"], reminder["actionable"]) == (
        "reminder", due.pk, True)
    assert newest_first[0]["title"] == "3 doses missed while reminders were paused"
    assert newest_first[0]["actionable"] is False


@time_machine.travel(NOW, tick=False)
def test_unread_only_and_marking_read(api, patient):
    med = make.medication(patient, "08:00", start=date(2027, 1, 1))
    due = make.dose(med, datetime(2027, 3, 1, 8, tzinfo=UTC))
    first, second, third = (notify(patient, due, sequence=n) for n in range(3))

    marked = api.post(f"{API}/notifications/read", {"ids": [first.pk]},
                      content_type="application/json")

    assert marked.json() == {"marked": 1}
    unread = api.get(f"{API}/notifications?unread=true").json()
    assert [n["id"] for n in unread] == [third.pk, second.pk]
    assert api.post(f"{API}/notifications/read", {"all": True},
                    content_type="application/json").json() == {"marked": 2}
    assert api.get(f"{API}/notifications?unread=true").json() == []
    assert api.get(f"{API}/notifications").json()[0]["read_at"] == "2027-03-01T08:02:00Z"


def test_mark_read_needs_ids_or_all(api, patient):
    neither = api.post(f"{API}/notifications/read", {}, content_type="application/json")
    both = api.post(f"{API}/notifications/read", {"ids": [1], "all": True},
                    content_type="application/json")

    assert neither.status_code == both.status_code == 422
    assert "either ids or all" in neither.json()["detail"][0]["msg"]


@time_machine.travel(NOW, tick=False)
def test_a_recorded_dose_is_no_longer_actionable(api, patient):
    med = make.medication(patient, "08:00", start=date(2027, 1, 1))
    due = make.dose(med, datetime(2027, 3, 1, 8, tzinfo=UTC))
    notify(patient, due)

    api.post(f"{API}/doses/{due.pk}/take")

    [entry] = api.get(f"{API}/notifications").json()
    assert entry["actionable"] is False
    assert entry["read_at"] is not None  # taking the dose read its reminder
