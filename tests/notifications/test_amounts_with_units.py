"""A dose in mL or micrograms reads the same on every channel as on the Today page: the live
event, the inbox page, the API's inbox, Web Push, email, the email link's page, the calendar
feed, the API's doses, the report and the CSV."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine

from pulserx.dispatch.tick import tick
from pulserx.notifications.models import NotificationKind
from pulserx.reminders.models import Medication, Schedule
from pulserx.reminders.planning import replan
from tests.factories import make_patient
from tests.notifications.conftest import Mailbox, PushService
from tests.notifications.test_travelling_patient import (
    LiveEvents,
    calendar_summary,
    parts,
    send_pending,
    signed_in,
)
from tests.support import https_client

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
DAY = date(2027, 1, 12)
MEASURED = [pytest.param("liquid", "", "10", "10 mL", id="10 mL of a liquid"),
            pytest.param("tablet", "ug", "75", "75 micrograms", id="75 micrograms")]


@pytest.mark.parametrize(("form", "unit", "amount", "words"), MEASURED)
def test_a_measured_dose_reads_the_same_everywhere(
        form: str, unit: str, amount: str, words: str, push_service: PushService,
        smtp_server: Mailbox) -> None:
    due_at = datetime.combine(DAY, time(8, 0), tzinfo=BERLIN).astimezone(UTC)
    with time_machine.travel(due_at - timedelta(hours=12), tick=False):
        patient = make_patient("pat@example.org", tz="Europe/Berlin", notify_email=True,
                               notify_push=True)
        medication = Medication.objects.create(patient=patient, name="Levothyroxine",
                                               form=form, dose_unit=unit)
        schedule = Schedule.objects.create(patient=patient, medication=medication,
                                           start_date=DAY - timedelta(days=1),
                                           times=[{"at": "08:00", "amount": amount}])
        replan(schedule)
        push_service.subscribe(patient.user)
        client = signed_in(patient.user)
    live = LiveEvents(patient.user)
    try:
        with time_machine.travel(due_at - timedelta(minutes=5), tick=False):
            tick()
        with time_machine.travel(due_at + timedelta(seconds=1), tick=False):
            today = client.get("/").content.decode()
            tick()
            event = next(e for e in live.received() if e.get("kind") == "notification")
            send_pending(patient.user)
            inbox_page = client.get("/inbox/").content.decode()
            api_inbox = client.get("/api/v1/notifications").json()
            api_doses = client.get(f"/api/v1/doses?from={DAY}").json()
            text, html = parts(smtp_server, patient.user.email)
            link = re.search(r"https?://\S+/email/dose/\S+/", text)
            assert link is not None
            confirm = https_client().get(urlsplit(link.group(0)).path).content.decode()
            summary = calendar_summary(https_client(), patient, due_at)
            report = client.get(f"/history/report?from={DAY}&to={DAY}").content.decode()
            rows = list(csv.DictReader(io.StringIO(client.get(
                f"/history/doses.csv?from={DAY}&to={DAY}").content.decode())))
    finally:
        live.close()

    push = next(p.payload for p in push_service.received
                if p.payload and p.payload["kind"] == NotificationKind.REMINDER)
    assert ">08:00</time>" in today and words in today
    for channel, said in {"live event": event["body"], "inbox page": inbox_page,
                          "API inbox": api_inbox[0]["body"], "push": push["body"],
                          "email text": text, "email HTML": html}.items():
        assert f"Take {words} of Levothyroxine" in said, channel
    assert f"Levothyroxine ({words}), due at 08:00 on" in confirm
    assert summary == f"Take {words} of Levothyroxine"
    assert api_doses[0]["amount_text"] == words
    assert f"08:00 ({words})" in report
    assert rows[0]["amount"] == words
