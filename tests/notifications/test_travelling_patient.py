"""Every channel tells the same time as the Today page, and the amount with its plural.

A patient with a dose at 08:00 on the clock their reminders follow — at home or away in
Tokyo, keeping the home clock or following the local one — gets the reminder on every
channel: the live event, the inbox page, /inbox/since, the API's inbox, Web Push (a push
service on loopback decrypts it), email (an SMTP server on loopback), the email link's
confirm page and the calendar feed. When the dose is missed, their caregiver in New York
reads the patient's 08:00 with the place named, unless their clocks agree.

Each reader's time is written in their own clock format: a patient on the 12-hour clock
reads "8:00 AM" everywhere, their caregiver on the 24-hour clock "08:00", and the other
way round (one chose in Settings, the other's browser language decided).

Each reader's words are in their language too: the English cases check the English text; the
German ones (a German patient and a German caregiver) check the same sentences as the shipped
German catalog words them (`translation.override("de")` + `gettext`/`ngettext` of the
renderer's msgids), so a translation that dropped or misplaced the time or the amount fails.
German runs over a subset of the travel cases, to keep the runtime down (the English matrix
is 64 runs of about 4 s): London away following Tokyo's clock (the caregiver reads the time
with the place named) and New York at home (the caregiver's clock agrees: no place), each
with both amounts (the plural) and both clock formats — the cases where the words differ;
the other travel cases exercise the clock arithmetic, which does not depend on the language.
"""

from __future__ import annotations

import email
import html as html_text
import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from channels.layers import get_channel_layer
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext, ngettext

from pulserx.accounts.models import AccountType, CareLink, CareLinkStatus, Patient, User
from pulserx.clock_format import written_time
from pulserx.dispatch.tick import tick
from pulserx.live import group_channel, inbox_group, redis_client
from pulserx.notifications.models import Delivery, DeliveryStatus, NotificationKind
from pulserx.notifications.tasks import send_deliveries
from pulserx.reminders.models import Medication, Schedule
from pulserx.reminders.planning import replan
from tests.factories import make_patient
from tests.notifications.conftest import Mailbox, PushService
from tests.support import https_client

pytestmark = pytest.mark.django_db

TOKYO = "Asia/Tokyo"
CAREGIVER_ZONE = "America/New_York"
HOMES = ("Europe/London", "Europe/Berlin", "America/New_York", "Australia/Sydney")
DAY = date(2027, 1, 12)
CASES = [pytest.param(home, away, policy, id=f"{home}-{'away' if away else 'home'}-{policy}")
         for home in HOMES for away in (False, True) for policy in ("home", "local")]
# German over the cases whose words differ (see the module's docstring): the place named, or not.
GERMAN_CASES = [("Europe/London", True, "local"), ("America/New_York", False, "home")]
LANGUAGE_CASES = [
    *(pytest.param(*case.values, "en", id=case.id) for case in CASES),
    *(pytest.param(home, away, policy, "de",
                   id=f"{home}-{'away' if away else 'home'}-{policy}-de")
      for home, away, policy in GERMAN_CASES),
]
WHAT = "Metformin 500 mg"


# The patient's clock format, and the caregiver's: always the other one.
FORMATS = [pytest.param("12h", "24h", id="patient-12h"), pytest.param("24h", "12h",
                                                                      id="patient-24h")]


def eight_in(language: str, clock_format: str) -> str:
    """08:00 as a reader of `language` on `clock_format` reads it (the halves of the day are
    the catalog's: "8:00 vorm." in German)."""
    with translation.override(language):
        return written_time(time(8, 0), clock_format == "12h")


def reads(user: User, clock_format: str, chosen: bool) -> None:
    """`user` reads times on `clock_format`: chosen in Settings, or their browser's."""
    field = "clock_format" if chosen else "language_clock_format"
    setattr(user, field, clock_format)
    user.save(update_fields=[field])


def clock_of(home: str, away: bool, policy: str) -> ZoneInfo:
    return ZoneInfo(TOKYO if away and policy == "local" else home)


def amount_words(amount: int) -> str:
    return "1 tablet" if amount == 1 else f"{amount} tablets"


def tablets(amount: int, language: str, plural_of: int | None = None) -> str:
    """`amount` tablets in `language`'s catalog words (pulserx/reminders/amounts.py); with
    `plural_of`, in the plural form that number takes (a wrong plural, to look for)."""
    with translation.override(language):
        return ngettext("%(n)s tablet", "%(n)s tablets", plural_of or amount) % {
            "n": str(amount)}


def reminder_words(language: str, amount: int, at: str) -> str:
    """The reminder's sentence (render.take_sentence, no instructions) in `language`."""
    with translation.override(language):
        return gettext("Take %(amount)s of %(medication)s (due at %(time)s).") % {
            "amount": tablets(amount, language), "medication": WHAT, "time": at}


def missed_words(language: str, amount: int, at: str, place: str) -> str:
    """The caregiver's alert body (render.describe, CAREGIVER_MISSED) in `language`, the time
    with its place when `place` is given."""
    with translation.override(language):
        if place:
            at = gettext("%(time)s in %(place)s") % {"time": at, "place": place}
        return gettext("%(medication)s (%(amount)s), due at %(time)s, was not taken.") % {
            "medication": WHAT, "amount": tablets(amount, language), "time": at}


def confirm_words(language: str, amount: int, at: str) -> str:
    """The email link's confirm page up to the day (notifications/email_action.html)."""
    with translation.override(language):
        sentence = gettext("%(what)s (%(amount)s), due at %(due_time)s on %(due_day)s.") % {
            "what": WHAT, "amount": tablets(amount, language), "due_time": at,
            "due_day": "\x00"}
    return sentence.split("\x00")[0].rstrip()


def summary_words(language: str, amount: int) -> str:
    """The calendar event's summary (render.take_text) in `language`."""
    with translation.override(language):
        return gettext("Take %(amount)s of %(medication)s") % {
            "amount": tablets(amount, language), "medication": WHAT}


class LiveEvents:
    """What the channel layer carries to the browsers of `users` (a real Redis pub/sub)."""

    def __init__(self, *users: User) -> None:
        self.pubsub = redis_client().pubsub()
        self.pubsub.subscribe(*(group_channel(inbox_group(u.pk)) for u in users))
        while self.pubsub.get_message(timeout=1) is not None:  # the subscribe confirmations
            pass

    def received(self) -> list[dict[str, Any]]:
        layer = get_channel_layer()
        assert layer is not None
        events = []
        while (message := self.pubsub.get_message(timeout=0.5)) is not None:
            if message["type"] == "message":
                events.append(layer.deserialize(message["data"])["event"])
        return events

    def close(self) -> None:
        self.pubsub.close()


def travelling_patient(home: str, away: bool, policy: str, amount: int) -> Patient:
    patient = make_patient("traveller@example.org", tz=home,
                           current_timezone=TOKYO if away else home, travel_policy=policy,
                           notify_email=True, notify_push=True, missed_after_minutes=60)
    medication = Medication.objects.create(patient=patient, name="Metformin",
                                           strength="500 mg", form="tablet", stock=Decimal(30))
    schedule = Schedule.objects.create(patient=patient, medication=medication,
                                       start_date=DAY - timedelta(days=1),
                                       times=[{"at": "08:00", "amount": str(amount)}])
    replan(schedule)
    return patient


def new_york_caregiver(patient: Patient) -> User:
    user = User.objects.create_user("carol@example.org", "correct horse battery",
                                    first_name="Carol", account_type=AccountType.CAREGIVER,
                                    timezone=CAREGIVER_ZONE, email_verified=True)
    CareLink.objects.create(patient=patient, caregiver=user, invited_email=user.email,
                            status=CareLinkStatus.ACCEPTED, alert_on_missed=True)
    return user


def signed_in(user: User) -> Client:
    client = https_client()
    client.force_login(user)
    return client


def send_pending(recipient: User) -> None:
    """What the worker does with the queued chunks: one task per channel."""
    for channel in ("push", "email"):
        ids = list(Delivery.objects.filter(notification__recipient=recipient, channel=channel,
                                           status=DeliveryStatus.PENDING)
                   .values_list("pk", flat=True))
        send_deliveries(ids, channel)


def parts(mailbox: Mailbox, recipient: str) -> tuple[str, str]:
    """The text and HTML of the last email to `recipient`."""
    envelope = next(e for e in reversed(mailbox.envelopes) if recipient in e.rcpt_tos)
    message = email.message_from_bytes(envelope.original_content, policy=default_policy)
    assert isinstance(message, EmailMessage)
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def calendar_summary(client: Client, patient: Patient, due_at: datetime) -> str:
    body = client.get(f"/calendar/{patient.calendar_token}.ics").content.decode()
    unfolded = body.replace("\r\n ", "")
    stamp = f"DTSTART:{due_at:%Y%m%dT%H%M%SZ}"
    event = next(block for block in unfolded.split("BEGIN:VEVENT") if stamp in block)
    summary = re.search(r"^SUMMARY:(.*)$", event, re.MULTILINE)
    assert summary is not None
    return summary.group(1).strip()


@pytest.mark.parametrize(("patient_format", "caregiver_format"), FORMATS)
@pytest.mark.parametrize("amount", [1, 2])
@pytest.mark.parametrize(("home", "away", "policy", "language"), LANGUAGE_CASES)
def test_every_channel_says_the_todays_page_time_and_amount(
        home: str, away: bool, policy: str, language: str, amount: int, patient_format: str,
        caregiver_format: str, push_service: PushService, smtp_server: Mailbox) -> None:
    clock = clock_of(home, away, policy)
    due_at = datetime.combine(DAY, time(8, 0), tzinfo=clock).astimezone(UTC)
    words = amount_words(amount) if language == "en" else tablets(amount, language)
    eight, caregiver_eight = (eight_in(language, f) for f in (patient_format, caregiver_format))
    with time_machine.travel(due_at - timedelta(hours=12), tick=False):
        patient = travelling_patient(home, away, policy, amount)
        caregiver = new_york_caregiver(patient)
        reads(patient.user, patient_format, chosen=patient_format == "12h")
        reads(caregiver, caregiver_format, chosen=caregiver_format == "12h")
        for reader in (patient.user, caregiver):
            reader.language = language
            reader.save(update_fields=["language"])
        push_service.subscribe(patient.user)
        push_service.subscribe(caregiver)
        patient_client, caregiver_client = signed_in(patient.user), signed_in(caregiver)
    live = LiveEvents(patient.user, caregiver)
    try:
        with time_machine.travel(due_at - timedelta(minutes=5), tick=False):
            tick()  # the dose row is prepared minutes ahead
        with time_machine.travel(due_at + timedelta(seconds=1), tick=False):
            today = patient_client.get("/").content.decode()
            assert f">{eight}</time>" in today and words in today  # what every channel must match
            tick()
            patient_events = live.received()
            send_pending(patient.user)
            inbox_page = patient_client.get("/inbox/").content.decode()
            since = patient_client.get("/inbox/since?after=0").json()["notifications"]
            api = patient_client.get("/api/v1/notifications").json()
            text, html = parts(smtp_server, patient.user.email)
            take_link = re.search(r"https?://\S+/email/dose/\S+/", text)
            assert take_link is not None
            confirm = https_client().get(urlsplit(take_link.group(0)).path).content.decode()
            summary = calendar_summary(https_client(), patient, due_at)
        with time_machine.travel(due_at + timedelta(minutes=61), tick=False):
            tick()  # not taken within the hour: missed, the caregiver is told
            caregiver_events = [e for e in live.received() if e.get("kind") == "notification"]
            send_pending(caregiver)
            caregiver_api = caregiver_client.get("/api/v1/notifications").json()
            caregiver_inbox = caregiver_client.get("/inbox/").content.decode()
            caregiver_text, caregiver_html = parts(smtp_server, caregiver.email)
    finally:
        live.close()

    reminder = next(e for e in patient_events if e.get("kind") == "notification")
    push = next(p.payload for p in push_service.received
                if p.payload and p.payload["kind"] == NotificationKind.REMINDER)
    reminder_bodies = {
        "live event": reminder["body"], "inbox page": inbox_page, "inbox since": since[0]["body"],
        "API inbox": api[0]["body"], "push payload": push["body"], "email text": text,
        "email HTML": html,
    }
    if language == "en":
        wrong = "1 tablets" if amount == 1 else f"{amount} tablet "
        for channel, said in reminder_bodies.items():
            assert f"due at {eight})" in said and f"Take {words} of Metformin" in said, channel
            assert wrong not in said, channel
            assert f"due at {caregiver_eight}" not in said, channel
        assert f"Metformin 500 mg ({words}), due at {eight} on" in confirm
        assert summary == f"Take {words} of Metformin 500 mg"
    else:
        sentence = reminder_words(language, amount, eight)
        assert sentence != reminder_words("en", amount, eight)
        wrong = tablets(amount, language, plural_of=2 if amount == 1 else 1) + " "
        for channel, said in reminder_bodies.items():
            said = html_text.unescape(said)
            assert sentence in said, channel
            assert wrong not in said + " ", channel
            assert reminder_words(language, amount, caregiver_eight) not in said, channel
        assert confirm_words(language, amount, eight) in html_text.unescape(confirm)
        assert summary == summary_words(language, amount) != f"Take {words} of {WHAT}"

    same_clock = ZoneInfo(CAREGIVER_ZONE).utcoffset(due_at) == clock.utcoffset(due_at)
    place = clock.key.rsplit("/", 1)[-1].replace("_", " ")
    read_as = (f"due at {caregiver_eight}," if same_clock
               else f"due at {caregiver_eight} in {place},")
    caregiver_push = next(p.payload for p in push_service.received
                          if p.payload and p.payload["kind"] == NotificationKind.CAREGIVER_MISSED)
    caregiver_bodies = {
        "caregiver live event": caregiver_events[0]["body"],
        "caregiver push": caregiver_push["body"], "caregiver API": caregiver_api[0]["body"],
        "caregiver inbox page": caregiver_inbox, "caregiver email text": caregiver_text,
        "caregiver email HTML": caregiver_html,
    }
    if language == "en":
        for channel, said in caregiver_bodies.items():
            assert read_as in said and f"Metformin 500 mg ({words})" in said, channel
            assert f"due at {eight}" not in said, channel
    else:
        alert = missed_words(language, amount, caregiver_eight, "" if same_clock else place)
        assert alert != missed_words("en", amount, caregiver_eight, "" if same_clock else place)
        for channel, said in caregiver_bodies.items():
            said = html_text.unescape(said)
            assert alert in said, channel
            assert missed_words(language, amount, eight, "") not in said, channel
            assert missed_words(language, amount, eight, place) not in said, channel
