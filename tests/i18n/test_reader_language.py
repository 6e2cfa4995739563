"""Every message is worded in the language of the person who reads it: a caregiver reading
German is alerted in German about a patient who reads Spanish, whose own reminders are in
Spanish. The one renderer decides; the channels (push buttons, email templates) follow the
language the message carries. Catalogs are made for the test (`catalog`), so these check the
mechanics whatever translations the project ships."""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.utils import translation
from pypdf import PdfReader
from pytest_django.fixtures import Settings as SettingsWrapper

from pulserx import live
from pulserx.accounts.models import AccountType, CareLink, CareLinkStatus, Patient, User
from pulserx.api.ical import calendar_url
from pulserx.dispatch.tick import tick
from pulserx.live import inbox_group
from pulserx.notifications import render, shapes
from pulserx.notifications.channels import buttons, editing
from pulserx.notifications.inbox import RENDER_RELATED
from pulserx.notifications.models import Channel, Delivery, Notification, NotificationKind
from pulserx.notifications.transports.email import EmailTransport
from pulserx.reminders.clock import Reader
from pulserx.reminders.models import Dose
from tests.factories import dose, medication
from tests.i18n.conftest import MakeCatalog
from tests.support import https_client

pytestmark = pytest.mark.django_db

DUE = datetime(2027, 1, 12, 8, 0, tzinfo=UTC)
LONDON = ZoneInfo("Europe/London")
GERMAN = {
    "%(patient)s missed a dose": "%(patient)s hat eine Dosis verpasst",
    "%(medication)s (%(amount)s), due at %(time)s, was not taken.":
        "%(medication)s (%(amount)s), fällig um %(time)s, wurde nicht genommen.",
    "Time for %(medication)s": "Zeit für %(medication)s",
    ("push button", "Take"): "Einnehmen",
}
SPANISH = {"Time for %(medication)s": "Hora de %(medication)s"}


@pytest.fixture
def catalogs(catalog: MakeCatalog) -> None:
    catalog("de", GERMAN)
    catalog("es", SPANISH)


def missed_dose(patient: Patient) -> Dose:
    return dose(medication(patient), DUE)


def notification(recipient: User, patient: Patient, the_dose: Dose, kind: str) -> Notification:
    return Notification.objects.create(recipient=recipient, patient=patient, dose=the_dose,
                                       kind=kind, created_at=DUE)


def test_the_caregiver_reads_german_and_the_patient_spanish(catalogs: None,
                                                             patient: Patient) -> None:
    the_dose = missed_dose(patient)
    carer = User.objects.create_user("ana@example.org", "x", first_name="Ana")
    before = translation.get_language()

    alert = render.message(
        notification(carer, patient, the_dose, NotificationKind.CAREGIVER_MISSED),
        render.facts_of(the_dose), "alex", Reader(ZoneInfo("America/New_York"), False, "de"))
    reminder = render.message(
        notification(patient.user, patient, the_dose, NotificationKind.REMINDER),
        render.facts_of(the_dose), "alex", Reader(LONDON, False, "es"))

    assert alert.title == "alex hat eine Dosis verpasst"
    assert alert.body.startswith("Metformin 500 mg (1 tablet), fällig um 08:00 in London")
    assert alert.language == "de"
    assert reminder.title == "Hora de Metformin 500 mg"
    assert reminder.language == "es"
    assert "fällig" not in reminder.body and "Zeit" not in reminder.title
    assert translation.get_language() == before  # the reader's language was only borrowed


def test_english_readers_read_english_while_other_catalogs_exist(catalogs: None,
                                                                 patient: Patient) -> None:
    the_dose = missed_dose(patient)
    with translation.override("de"):  # whatever is active around it: the reader decides
        message = render.message(
            notification(patient.user, patient, the_dose, NotificationKind.REMINDER),
            render.facts_of(the_dose), "alex", Reader(LONDON))
    assert message.title == "Time for Metformin 500 mg"
    assert message.body == "Take 1 tablet of Metformin 500 mg (due at 08:00)."


def test_push_buttons_are_in_the_language_of_the_message(catalogs: None,
                                                         patient: Patient) -> None:
    the_dose = missed_dose(patient)
    reminder = notification(patient.user, patient, the_dose, NotificationKind.REMINDER)
    german = render.message(reminder, render.facts_of(the_dose), "alex",
                            Reader(LONDON, False, "de"))
    english = render.message(reminder, render.facts_of(the_dose), "alex", Reader(LONDON))
    assert shapes.push_payload(german)["actions"][0]["title"] == "Einnehmen"
    assert [b["title"] for b in shapes.push_payload(english)["actions"]] == [
        "Take", "Snooze 10 min", "Skip"]


def test_a_reader_of_a_regional_language_falls_back_to_its_base(catalog: MakeCatalog,
                                                                patient: Patient) -> None:
    catalog("pt-br", {"Time for %(medication)s": "Hora do %(medication)s"})
    the_dose = missed_dose(patient)
    message = render.message(
        notification(patient.user, patient, the_dose, NotificationKind.REMINDER),
        render.facts_of(the_dose), "alex", Reader(LONDON, False, "pt-br"))
    assert message.title == "Hora do Metformin 500 mg"


def test_stored_messages_and_emails_follow_each_recipients_language(
        catalogs: None, patient: Patient, settings: SettingsWrapper) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    User.objects.filter(pk=patient.user_id).update(language="es")
    carer = User.objects.create_user("ana@example.org", "x", first_name="Ana",
                                     account_type=AccountType.CAREGIVER, email_verified=True,
                                     language="de", timezone="America/New_York")
    CareLink.objects.create(patient=patient, caregiver=carer, status=CareLinkStatus.ACCEPTED,
                            alert_on_missed=True, invited_email=carer.email)
    the_dose = missed_dose(patient)
    alert = notification(carer, patient, the_dose, NotificationKind.CAREGIVER_MISSED)
    reminder = notification(patient.user, patient, the_dose, NotificationKind.REMINDER)

    def stored(n: Notification) -> render.Message:
        return render.stored_message(
            Notification.objects.select_related(*RENDER_RELATED).get(pk=n.pk))

    assert stored(alert).title == "alex hat eine Dosis verpasst"
    assert stored(reminder).title == "Hora de Metformin 500 mg"
    EmailTransport().send(Delivery.objects.create(notification=alert, channel=Channel.EMAIL))
    (sent,) = mail.outbox
    assert sent.subject == "alex hat eine Dosis verpasst"
    assert "fällig um 08:00 in London" in sent.body


def test_the_dispatcher_words_each_live_event_for_its_reader(
        catalogs: None, patient: Patient, caregiver: User,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The hot path's rows carry the patient's language; the caregivers' come with them."""
    User.objects.filter(pk=patient.user_id).update(language="es")
    User.objects.filter(pk=caregiver.pk).update(language="de")
    published: list[tuple[str, dict[str, Any]]] = []

    def publish(events: Iterable[tuple[str, dict[str, Any]]]) -> int:
        published.extend(events)
        return len(published)

    monkeypatch.setattr(live, "publish", publish)
    eight = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    with time_machine.travel(eight - timedelta(hours=12), tick=False):
        medication(patient, time(8), start=date(2026, 3, 2))
    for moment in (eight + timedelta(seconds=1), eight + timedelta(hours=3)):
        with time_machine.travel(moment, tick=False):
            tick()

    titles = {(group, message["event"]["title"]) for group, message in published
              if message["event"].get("kind") == "notification"}
    assert (inbox_group(patient.user_id), "Hora de Metformin 500 mg") in titles
    assert (inbox_group(caregiver.pk), "alex hat eine Dosis verpasst") in titles
    inbox = {n.recipient_id: render.stored_message(n) for n in Notification.objects
             .select_related(*RENDER_RELATED).filter(kind__in=[NotificationKind.REMINDER,
                                                               NotificationKind.CAREGIVER_MISSED])}
    assert inbox[caregiver.pk].title == "alex hat eine Dosis verpasst"
    assert inbox[patient.user_id].title == "Hora de Metformin 500 mg"


def test_the_report_pdf_is_drawn_in_the_language_of_who_asks(
        catalog: MakeCatalog, patient: Patient) -> None:
    catalog("de", {"Medication report: %(name)s": "Medikamentenbericht: %(name)s",
                   "As-needed doses": "Bei Bedarf"})
    User.objects.filter(pk=patient.user_id).update(language="de")
    client = https_client()
    client.force_login(patient.user)
    response = client.get("/history/report.pdf")
    assert response.status_code == 200
    content = (b"".join(response.streaming_content) if response.streaming
               else response.content)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert "Medikamentenbericht: " in text and "Bei Bedarf" in text
    assert "Missed, skipped and late doses" in text  # no German for it: English stays


def test_the_calendar_feed_speaks_its_owners_language(catalog: MakeCatalog,
                                                      patient: Patient) -> None:
    """A calendar app has no language of its own: the feed's owner's is used."""
    catalog("de", {"Take %(amount)s of %(medication)s": "Nimm %(amount)s %(medication)s",
                   "PulseRx doses": "PulseRx-Dosen"})
    User.objects.filter(pk=patient.user_id).update(language="de")
    medication(patient)
    feed = https_client().get(calendar_url(patient), HTTP_ACCEPT_LANGUAGE="fr")
    text = feed.content.decode()
    assert "X-WR-CALNAME:PulseRx-Dosen" in text
    assert "SUMMARY:Nimm 1 tablet Metformin 500 mg" in text


def test_a_channels_test_message_and_buttons_speak_its_owners_language(
        catalog: MakeCatalog, patient: Patient) -> None:
    catalog("de", {"PulseRx test message": "PulseRx-Testnachricht",
                   ("channel button", "Take"): "Genommen"})
    User.objects.filter(pk=patient.user_id).update(language="de")
    patient.user.refresh_from_db()
    assert editing.words_of_the_test_message_for(patient.user) == (
        "PulseRx-Testnachricht", "This channel works: your reminders will arrive here.")
    assert editing.words_of_the_test_message_for(None)[0] == "PulseRx test message"
    with render.reading("de"):
        keyboard = buttons.telegram_keyboard(1, 2)
    assert [b["text"] for b in keyboard["inline_keyboard"][0]] == ["Genommen", "Skip"]
    assert [b["text"] for b in buttons.telegram_keyboard(1, 2)["inline_keyboard"][0]] == [
        "Take", "Skip"]
