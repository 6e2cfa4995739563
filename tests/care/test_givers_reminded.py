"""Reminders go to whoever gives: at due time the carers who give or manage are reminded on
their own channels, in words naming the person on the person's clock; once anyone records
the dose the reminder is withdrawn for the others."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from pulserx import live
from pulserx.accounts.models import CareLink, CareLinkStatus, CareRole, Patient, User
from pulserx.dispatch.claims import claim_due_doses
from pulserx.dispatch.tick import tick
from pulserx.notifications import render, shapes, withdraw
from pulserx.notifications.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    Notification,
    NotificationKind,
)
from pulserx.notifications.sending import attempt_delivery
from pulserx.reminders import actions
from pulserx.reminders.models import Dose, DoseStatus
from pulserx.reminders.planning import materialise_upcoming
from tests import factories as make
from tests.care.conftest import carer
from tests.notifications.conftest import PushService, push_service, vapid  # noqa: F401

pytestmark = pytest.mark.django_db
DAY = date(2026, 3, 2)
EIGHT = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # 08:00 in Lisbon (WET, UTC+0 in March)
GIVER = NotificationKind.GIVER_REMINDER


@pytest.fixture
def patient(db: None) -> Patient:
    """Leo, whose reminders follow Lisbon's clock."""
    leo = make.make_patient("leo@example.org", tz="Europe/Lisbon")
    leo.user.first_name = "Leo"
    leo.user.save(update_fields=["first_name"])
    return leo


@pytest.fixture
def team(patient: Patient) -> dict[str, User]:
    """Sol only sees (and joined first), Ana gives, Mia manages, Rex gave until revoked."""
    sol = carer(patient, "Sol", CareRole.SEES)
    ana = carer(patient, "Ana", CareRole.GIVES)
    mia = carer(patient, "Mia", CareRole.MANAGES)
    rex = carer(patient, "Rex", CareRole.GIVES)
    CareLink.objects.filter(caregiver=rex).update(status=CareLinkStatus.REVOKED)
    mia.timezone = "America/New_York"  # Mia reads the time on another clock
    mia.save(update_fields=["timezone"])
    ana.timezone = "Europe/Lisbon"
    ana.save(update_fields=["timezone"])
    return {"sol": sol, "ana": ana, "mia": mia, "rex": rex}


@pytest.fixture
def amoxicillin(patient: Patient) -> None:
    with time_machine.travel(EIGHT - timedelta(hours=12), tick=False):
        make.medication(patient, time(8), start=DAY, name="Amoxicillin", strength="250 mg")


def tick_at(moment: datetime) -> None:
    with time_machine.travel(moment, tick=False):
        tick()


def reminders_of(user: User) -> list[tuple[str, int]]:
    return list(Notification.objects.filter(recipient=user).order_by("id")
                .values_list("kind", "sequence"))


def words(notification: Notification) -> render.Message:
    return render.stored_message(Notification.objects.select_related(
        "dose__medication", "dose__patient", "patient__user", "recipient__patient",
    ).get(pk=notification.pk))


def test_givers_and_managers_are_reminded_at_due_time_not_those_who_see_or_left(
        patient, team, amoxicillin):
    tick_at(EIGHT + timedelta(seconds=1))

    assert reminders_of(patient.user) == [(NotificationKind.REMINDER, 0)]
    assert reminders_of(team["ana"]) == [(GIVER, 0)]
    assert reminders_of(team["mia"]) == [(GIVER, 0)]
    assert reminders_of(team["sol"]) == []
    assert reminders_of(team["rex"]) == []
    for name in ("ana", "mia"):
        reminder = Notification.objects.get(recipient=team[name])
        assert reminder.patient_id == patient.pk and reminder.dose_id == Dose.objects.get().pk
        # In the app at once; a carer's account has no email switch: no reminder email.
        assert list(reminder.deliveries.values_list("channel", flat=True)) == [Channel.WEB]


def test_the_text_names_the_person_and_their_clock(patient, team, amoxicillin):
    tick_at(EIGHT + timedelta(seconds=1))

    mia = words(Notification.objects.get(recipient=team["mia"]))
    assert mia.title == "Time for Leo's Amoxicillin 250 mg"
    assert mia.body == "Give 1 tablet, due at 08:00 in Lisbon."
    assert mia.actionable  # Given / Skip
    ana = words(Notification.objects.get(recipient=team["ana"]))
    assert ana.body == "Give 1 tablet, due at 08:00."  # Ana keeps Lisbon's clock herself


def test_the_live_event_is_the_givers_own(patient, team, amoxicillin, monkeypatch):
    published: list[live.Event] = []
    monkeypatch.setattr(live, "publish", lambda events: published.extend(events) or 0)
    tick_at(EIGHT + timedelta(seconds=1))

    [event] = [message["event"] for group, message in published
               if group == live.inbox_group(team["mia"].pk)
               and message["event"]["kind"] == "notification"]
    assert event["type"] == GIVER and event["title"] == "Time for Leo's Amoxicillin 250 mg"
    assert event["body"] == "Give 1 tablet, due at 08:00 in Lisbon."
    assert not any(group == live.inbox_group(team["sol"].pk)
                   and message["event"]["kind"] == "notification"
                   for group, message in published)


def test_exactly_once_under_a_repeated_tick_and_a_lost_batch(patient, team, amoxicillin,
                                                            settings):
    # A worker claims the batch and dies before delivering it: its lease runs out.
    with time_machine.travel(EIGHT + timedelta(seconds=1), tick=False):
        materialise_upcoming(timezone.now(), settings.PULSERX_LOOKAHEAD)
        _, ids = claim_due_doses(timezone.now(), 100, settings.PULSERX_LEASE)
    assert ids
    later = EIGHT + settings.PULSERX_LEASE + timedelta(seconds=2)
    tick_at(later)
    tick_at(later)  # and again, at the same moment
    tick_at(later + timedelta(minutes=1))

    for name in ("ana", "mia"):
        assert reminders_of(team[name]) == [(GIVER, 0)]
        reminder = Notification.objects.get(recipient=team[name])
        assert reminder.deliveries.count() == 1
    assert reminders_of(patient.user) == [(NotificationKind.REMINDER, 0)]


def test_a_snoozed_dose_reminds_its_givers_again_once(patient, team, amoxicillin):
    tick_at(EIGHT + timedelta(seconds=1))
    with time_machine.travel(EIGHT + timedelta(minutes=1), tick=False):
        actions.snooze_dose(Dose.objects.get().pk, 10)
    for minutes in (11, 11, 12):
        tick_at(EIGHT + timedelta(minutes=minutes, seconds=1))
    assert reminders_of(team["ana"]) == [(GIVER, 0), (GIVER, 1)]


def test_the_givers_are_found_in_one_query_per_batch(patient, team):
    """A burst's cost grows with doses, not care teams: as many care-team queries for one
    person's dose as for twenty people's."""

    def care_queries(people: int) -> int:
        Dose.objects.all().delete()
        for n in range(people):
            person = patient if n == 0 else make.make_patient(f"p{people}-{n}@example.org")
            if n:
                carer(person, f"G{people}x{n}", CareRole.GIVES)
            make.dose(make.medication(person), EIGHT,
                      DoseStatus.SCHEDULED, next_action_at=EIGHT)
        with CaptureQueriesContext(connection) as queries, \
                time_machine.travel(EIGHT + timedelta(seconds=1), tick=False):
            tick()
        return sum("carelink" in q["sql"] for q in queries.captured_queries)

    assert care_queries(1) == care_queries(20)
    assert Notification.objects.filter(kind=GIVER).count() >= 21


def test_a_dose_recorded_by_a_carer_is_withdrawn_for_the_person_and_the_other_giver(
        patient, team, amoxicillin, push_service: PushService, monkeypatch,  # noqa: F811
        django_capture_on_commit_callbacks):
    for user in (patient.user, team["ana"], team["mia"]):
        push_service.subscribe(user)
    tick_at(EIGHT + timedelta(seconds=1))
    for delivery in Delivery.objects.filter(channel=Channel.PUSH):
        attempt_delivery(delivery.pk)
    assert set(Delivery.objects.filter(channel=Channel.PUSH).values_list("status", flat=True)) \
        == {DeliveryStatus.SENT}
    reminded = {push.payload["tag"] for push in push_service.received if push.payload}
    dose = Dose.objects.get()
    assert reminded == {f"dose-{dose.pk}"} and len(push_service.received) == 3
    push_service.received.clear()

    published: list[live.Event] = []
    monkeypatch.setattr(live, "publish_quietly", lambda events: published.extend(events))
    monkeypatch.setattr(withdraw.withdraw_pushes, "apply_async",
                        lambda args, **options: withdraw.withdraw_pushes(*args))
    with time_machine.travel(EIGHT + timedelta(minutes=5), tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        actions.record_dose(dose.pk, DoseStatus.TAKEN, team["ana"])

    # The open toasts go: the dose's live event reaches Leo and Mia (and Sol, who watches).
    told = {group: message["event"] for group, message in published}
    for user in (patient.user, team["mia"], team["sol"]):
        event: dict[str, Any] = told[live.inbox_group(user.pk)]
        assert event["kind"] == "dose" and event["dose_id"] == dose.pk
        assert event["status"] == "taken"
    # The pushed reminders are replaced, on each device that had one, by a silent note.
    replaced = [push.payload for push in push_service.received]
    assert len(replaced) == 3 and all(p is not None for p in replaced)
    paths = {push.path for push in push_service.received}
    assert len(paths) == 3
    for payload in replaced:
        assert payload is not None
        assert payload["tag"] == f"dose-{dose.pk}" and payload["kind"] == "withdrawn"
        assert payload["silent"] is True and payload["actions"] == []
        assert payload["body"] == "Given by Ana at 08:05"
    # Nothing of the dose is left unread anywhere.
    assert not Notification.objects.filter(dose=dose, read_at__isnull=True).exists()


def test_a_giver_who_takes_medications_here_keeps_their_own_switches_and_clock(
        patient, team, amoxicillin):
    ana = team["ana"]
    Patient.objects.create(user=ana, timezone="Asia/Tokyo", notify_email=True)
    tick_at(EIGHT + timedelta(seconds=1))

    reminder = Notification.objects.get(recipient=ana)
    assert set(reminder.deliveries.values_list("channel", flat=True)) \
        == {Channel.WEB, Channel.EMAIL}
    assert words(reminder).body == "Give 1 tablet, due at 08:00 in Lisbon."


def test_a_giver_revoked_before_the_push_goes_out_is_not_pushed(
        patient, team, amoxicillin, push_service: PushService):  # noqa: F811
    push_service.subscribe(team["ana"])
    tick_at(EIGHT + timedelta(seconds=1))
    CareLink.objects.filter(caregiver=team["ana"]).update(role=CareRole.SEES)
    [delivery] = Delivery.objects.filter(channel=Channel.PUSH)
    attempt_delivery(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SKIPPED and push_service.received == []


def test_a_missed_dose_is_told_to_the_givers_first(patient, team, amoxicillin):
    tick_at(EIGHT + timedelta(seconds=1))
    tick_at(EIGHT + timedelta(hours=2))

    assert Dose.objects.get().status == DoseStatus.MISSED
    told = list(Notification.objects.filter(kind=NotificationKind.CAREGIVER_MISSED)
                .order_by("id").values_list("recipient__first_name", flat=True))
    assert told == ["Ana", "Mia", "Sol"]


def test_a_giver_is_reminded_in_their_own_language(patient, team, amoxicillin, monkeypatch):
    team["mia"].language = "de"
    team["mia"].save(update_fields=["language"])
    published: list[live.Event] = []
    monkeypatch.setattr(live, "publish", lambda events: published.extend(events) or 0)
    tick_at(EIGHT + timedelta(seconds=1))

    [event] = [message["event"] for group, message in published
               if group == live.inbox_group(team["mia"].pk)
               and message["event"]["kind"] == "notification"]
    with translation.override("de"):
        german = render.giver_reminder_words(
            render.facts_of(Dose.objects.select_related("medication").get()), "08:00 in Lissabon",
            "Leo")
    assert event["title"] == german[0] != "Time for Leo's Amoxicillin 250 mg"


def test_a_giver_s_push_has_given_and_skip_and_records_as_the_giver(patient, team, amoxicillin):
    from pulserx.notifications.push_tokens import push_action_token
    from tests.care.conftest import signed_in

    tick_at(EIGHT + timedelta(seconds=1))
    payload = shapes.push_payload(words(Notification.objects.get(recipient=team["ana"])))
    assert [button["action"] for button in payload["actions"]] == ["take", "skip"]
    assert payload["actions"][0]["title"] == "Given"
    dose = Dose.objects.get()

    def press(user: User, action: str) -> Any:
        return signed_in(user).post("/push/action", {
            "action": action, "dose_id": dose.pk, "token": push_action_token(dose.pk, user.pk),
        }, content_type="application/json")

    assert press(team["ana"], "snooze").status_code == 404  # snoozing is Leo's
    assert press(team["sol"], "take").status_code == 404  # Sol only sees
    with time_machine.travel(EIGHT + timedelta(minutes=5), tick=False):
        assert press(team["ana"], "take").status_code == 200
        assert press(team["mia"], "take").status_code == 409  # already given
    dose.refresh_from_db()
    assert dose.status == DoseStatus.TAKEN and dose.acted_by == team["ana"]


def test_a_giver_s_email_links_record_as_the_giver_while_they_still_give(
        patient, team, amoxicillin):
    from pulserx.notifications.email_links import email_action_url
    from tests.support import https_client

    tick_at(EIGHT + timedelta(seconds=1))
    context = shapes.email_context(words(Notification.objects.get(recipient=team["mia"])))
    assert context["take_url"] and context["skip_url"]
    dose = Dose.objects.get()
    ana_link = urlsplit(email_action_url(dose.pk, "take", team["ana"].pk)).path
    page = https_client().get(ana_link).content.decode()
    assert "Mark as given?" in page and "Yes, I gave it" in page

    # Rex was sent a link, then left the team: it no longer records.
    rex_link = urlsplit(email_action_url(dose.pk, "take", team["rex"].pk)).path
    assert https_client().post(rex_link).status_code == 404
    with time_machine.travel(EIGHT + timedelta(minutes=5), tick=False):
        done = https_client().post(ana_link).content.decode()
    assert "Marked as given" in done
    dose.refresh_from_db()
    assert dose.status == DoseStatus.TAKEN and dose.acted_by == team["ana"]
    again = https_client().post(ana_link).content.decode()
    assert "Already recorded" in again and "Ana" in again
