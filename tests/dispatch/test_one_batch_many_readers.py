"""One batch, many readers: a burst words each distinct message once, and every reader still
gets their own words. The live events of one tick are compared with the inbox's words of the
same notifications, which are worded one by one outside any batch."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine

from pulserx import live
from pulserx.accounts.models import CareRole, Patient, User
from pulserx.dispatch.tick import tick
from pulserx.notifications import render
from pulserx.notifications.models import Notification, NotificationKind
from tests import factories as make
from tests.care.conftest import carer

pytestmark = pytest.mark.django_db
DAY = date(2026, 3, 2)
EIGHT = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # 08:00 in London and Lisbon in March


def reads(patient: Patient, *, language: str = "en", clock_format: str = "") -> Patient:
    patient.user.language = language
    patient.user.clock_format = clock_format
    patient.user.save(update_fields=["language", "clock_format"])
    return patient


@pytest.fixture
def readers(db: None) -> list[Patient]:
    """Six people due the same Metformin at the same second: twins (Ann, Ben), one on
    another clock that reads the same (Eva), and one differing in each thing the words
    depend on: the clock format (Cai), the language (Dov), the clock's time (Fay)."""
    people = [
        reads(make.make_patient("ann@example.org")),
        reads(make.make_patient("ben@example.org")),
        reads(make.make_patient("cai@example.org"), clock_format="12h"),
        reads(make.make_patient("dov@example.org"), language="de"),
        reads(make.make_patient("eva@example.org", tz="Europe/Lisbon")),
        reads(make.make_patient("fay@example.org", tz="Europe/Berlin")),
    ]
    with time_machine.travel(EIGHT - timedelta(hours=12), tick=False):
        for person in people:
            make.medication(person, time(8) if person.timezone != "Europe/Berlin" else time(9),
                            start=DAY)
    return people


def live_words(published: list[live.Event]) -> dict[int, tuple[str, str]]:
    return {message["event"]["id"]: (message["event"]["title"], message["event"]["body"])
            for _, message in published if message["event"]["kind"] == "notification"}


def inbox_words(notification: Notification) -> tuple[str, str]:
    message = render.stored_message(Notification.objects.select_related(
        "dose__medication", "dose__patient", "patient__user", "recipient__patient",
    ).get(pk=notification.pk))
    return message.title, message.body


def test_every_reader_in_one_batch_gets_their_own_words(readers, monkeypatch):
    published: list[live.Event] = []
    monkeypatch.setattr(live, "publish", lambda events: published.extend(events) or 0)
    with time_machine.travel(EIGHT + timedelta(seconds=1), tick=False):
        report = tick()

    assert report.reminded == 6  # one batch
    said = live_words(published)
    notifications = list(Notification.objects.order_by("id"))
    assert len(said) == len(notifications) == 6
    for notification in notifications:
        assert said[notification.pk] == inbox_words(notification)
    to = {n.patient_id: said[n.pk] for n in notifications}  # the claim's order is the database's
    ann, ben, cai, dov, eva, fay = (to[person.pk] for person in readers)
    assert ann == ben == eva  # Lisbon's 08:00 reads as London's
    assert len({ann, cai, dov, fay}) == 4


def test_givers_of_two_people_are_told_each_person_s_name(db, monkeypatch):
    """A giver's words name the person: two carers of two people with the same medication at
    the same time read different words."""
    leo, mae = make.make_patient("leo@example.org"), make.make_patient("mae@example.org")
    givers: list[User] = []
    for person, name in ((leo, "Ana"), (mae, "Bea")):
        givers.append(carer(person, name, CareRole.GIVES))
        with time_machine.travel(EIGHT - timedelta(hours=12), tick=False):
            make.medication(person, time(8), start=DAY)
    published: list[live.Event] = []
    monkeypatch.setattr(live, "publish", lambda events: published.extend(events) or 0)
    with time_machine.travel(EIGHT + timedelta(seconds=1), tick=False):
        tick()

    said = live_words(published)
    told = [Notification.objects.get(recipient=giver, kind=NotificationKind.GIVER_REMINDER)
            for giver in givers]
    assert [said[n.pk] for n in told] == [inbox_words(n) for n in told]
    assert said[told[0].pk] != said[told[1].pk]
    assert "leo" in said[told[0].pk][0] and "mae" in said[told[1].pk][0]
