"""Take / Skip by replying to a reminder SMS: Twilio posts the reply to PulseRx's webhook,
signed with the account's auth token (signed here by Twilio's own library); the dose is
recorded once, and the answer goes back as TwiML in the patient's language."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.test import Client
from django.utils import translation
from pytest_django.fixtures import Settings as SettingsWrapper
from twilio.request_validator import RequestValidator

from pulserx.accounts.models import Patient
from pulserx.notifications.channels.editing import add_channel
from pulserx.notifications.models import Delivery, UserChannel
from pulserx.reminders.models import Dose, DoseStatus
from tests.channels.conftest import LoopbackAPI, Respond
from tests.channels.services import TWILIO_SID
from tests.channels.test_channel_delivery import remind_now, send_pending

pytestmark = pytest.mark.django_db
AUTH_TOKEN = "f" * 32
PATIENTS_PHONE, TWILIO_NUMBER = "+447700900123", "+447700900001"
SITE = "https://pulserx.example.org"
ALREADY = "Already taken by alex at "  # then the time it was taken


@pytest.fixture
def sms(patient: Patient, settings: SettingsWrapper,
        public_api: Callable[[list[str], Respond], LoopbackAPI]
        ) -> tuple[LoopbackAPI, UserChannel]:
    settings.SITE_URL = SITE
    twilio = public_api(["api.twilio.com"], lambda request: (
        201, {"sid": f"SM{len(twilio.received):032d}", "status": "queued"}))
    channel = add_channel(patient.user, "twilio", "Phone", {
        "account_sid": TWILIO_SID, "auth_token": AUTH_TOKEN, "from_number": TWILIO_NUMBER,
        "to_number": PATIENTS_PHONE})
    return twilio, channel


def incoming(client: Client, channel: UserChannel, body: str, *, sign_with: str = AUTH_TOKEN,
             signed: bool = True, sender: str = PATIENTS_PHONE) -> tuple[int, str]:
    """Twilio's incoming-message request (a form POST) for an SMS to the channel's number:
    (status, the text of the reply SMS in the TwiML answer, "" for none)."""
    path = f"/channels/twilio/{channel.pk}/"
    params = {"MessageSid": "SM" + "a" * 32, "AccountSid": TWILIO_SID, "From": sender,
              "To": TWILIO_NUMBER, "Body": body, "NumMedia": "0"}
    headers = {"X-Twilio-Signature": RequestValidator(sign_with).compute_signature(
        SITE + path, params)} if signed else {}
    response = client.post(path, params, headers=headers)
    if response.status_code != 200:
        return response.status_code, response.content.decode()
    assert response["Content-Type"].startswith("text/xml")
    root = ElementTree.fromstring(response.content)
    assert root.tag == "Response"
    return 200, "".join(m.text or "" for m in root.iter("Message"))


def test_the_reminder_sms_says_how_to_reply(sms: tuple[LoopbackAPI, UserChannel],
                                            patient: Patient) -> None:
    twilio, channel = sms
    remind_now(patient)
    send_pending()

    [sent] = twilio.received
    assert sent.form()["Body"].endswith("Reply 1 if you took it, 2 to skip.")
    # The SID Twilio answered with is kept on the delivery.
    assert Delivery.objects.get(target=channel).provider_ref == f"SM{1:032d}"


def test_a_reply_1_records_the_dose_once_and_a_second_is_told_it_is_taken(
        sms: tuple[LoopbackAPI, UserChannel], patient: Patient, client: Client) -> None:
    _, channel = sms
    dose = remind_now(patient)
    send_pending()

    first = incoming(client, channel, "1")
    second = incoming(client, channel, " Taken! ")
    skip = incoming(client, channel, "2")

    assert first == (200, "Taken. Well done.")
    assert second[0] == 200 and second[1].startswith(ALREADY)
    assert skip[0] == 200 and skip[1].startswith(ALREADY)
    dose.refresh_from_db()
    assert dose.status == DoseStatus.TAKEN and dose.acted_by == patient.user
    assert dose.recorded_via == "channel"


def test_an_unsigned_or_wrongly_signed_reply_is_refused_and_records_nothing(
        sms: tuple[LoopbackAPI, UserChannel], patient: Patient, client: Client) -> None:
    _, channel = sms
    dose = remind_now(patient)
    send_pending()

    assert incoming(client, channel, "1", signed=False)[0] == 403
    assert incoming(client, channel, "1", sign_with="0" * 32)[0] == 403
    forged = client.post(f"/channels/twilio/{channel.pk}/",
                         {"From": PATIENTS_PHONE, "Body": "1"},
                         headers={"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"})
    assert forged.status_code == 403
    assert client.post(f"/channels/twilio/{channel.pk + 99}/", {"Body": "1"}).status_code == 403
    dose.refresh_from_db()
    assert dose.status == DoseStatus.NOTIFIED and dose.acted_at is None


def test_a_stranger_texting_the_number_gets_no_answer_and_records_nothing(
        sms: tuple[LoopbackAPI, UserChannel], patient: Patient, client: Client) -> None:
    _, channel = sms
    dose = remind_now(patient)
    send_pending()

    assert incoming(client, channel, "1", sender="+447700900999") == (200, "")
    dose.refresh_from_db()
    assert dose.status == DoseStatus.NOTIFIED


def test_a_reply_to_an_expired_reminder_is_refused(
        sms: tuple[LoopbackAPI, UserChannel], patient: Patient, client: Client) -> None:
    _, channel = sms
    dose = remind_now(patient)
    send_pending()
    delivery = Delivery.objects.get(target=channel)
    Delivery.objects.filter(pk=delivery.pk).update(
        sent_at=delivery.sent_at - timedelta(hours=13))  # PULSERX_CHANNEL_LINK_MAX_AGE: 12 h

    assert incoming(client, channel, "1") == (
        200, "This reminder has expired: record the dose in PulseRx.")
    dose.refresh_from_db()
    assert dose.status == DoseStatus.NOTIFIED


def test_anything_else_is_answered_with_how_to_reply(
        sms: tuple[LoopbackAPI, UserChannel], patient: Patient, client: Client) -> None:
    _, channel = sms
    remind_now(patient)
    send_pending()

    assert incoming(client, channel, "what?") == (200, "Reply 1 if you took it, 2 to skip.")


def test_two_open_reminders_are_answered_latest_first(
        sms: tuple[LoopbackAPI, UserChannel], patient: Patient, client: Client) -> None:
    _, channel = sms
    first = remind_now(patient)
    send_pending()
    second = remind_now(patient)
    send_pending()
    # The second reminder was sent after the first.
    Delivery.objects.filter(target=channel, notification__dose=first).update(
        sent_at=Delivery.objects.get(target=channel, notification__dose=second).sent_at
        - timedelta(minutes=1))

    assert incoming(client, channel, "2") == (200, "Skipped.")
    assert incoming(client, channel, "1") == (200, "Taken. Well done.")

    statuses = dict(Dose.objects.filter(pk__in=[first.pk, second.pk])
                    .values_list("pk", "status"))
    assert statuses == {second.pk: DoseStatus.SKIPPED, first.pk: DoseStatus.TAKEN}


def test_the_answer_is_in_the_patients_language(
        sms: tuple[LoopbackAPI, UserChannel], patient: Patient, client: Client) -> None:
    _, channel = sms
    patient.user.language = "de"
    patient.user.save(update_fields=["language"])
    remind_now(patient)
    send_pending()

    with translation.override("de"):
        taken = translation.gettext("Taken. Well done.")
    assert taken != "Taken. Well done."  # the catalog has it
    assert incoming(client, channel, "1") == (200, taken)


def test_the_webhook_path_is_the_urlconfs() -> None:
    from django.urls import reverse

    assert reverse("channel-twilio-webhook", args=[7]) == "/channels/twilio/7/"


def test_the_channels_page_shows_the_address_to_give_twilio(
        sms: tuple[LoopbackAPI, UserChannel], patient: Patient, client: Client) -> None:
    from django.urls import reverse

    _, channel = sms
    client.force_login(patient.user)
    page = client.get(reverse("channels")).content.decode()

    assert f"HTTP POST <code>{SITE}/channels/twilio/{channel.pk}/</code>" in page


@pytest.mark.parametrize("signed_url, site_url", [
    ("https://pulserx.example.org/channels/twilio/7/", "https://pulserx.example.org"),
    ("https://pulserx.example.org:443/channels/twilio/7/", "https://pulserx.example.org"),
    ("https://pulserx.example.org/channels/twilio/7/", "https://pulserx.example.org:443"),
])
def test_twilio_signs_the_url_with_or_without_its_default_port(signed_url: str,
                                                               site_url: str) -> None:
    from pulserx.notifications.channels.replies import twilio_signed

    params = {"Body": "1", "From": PATIENTS_PHONE, "To": TWILIO_NUMBER}
    signature = RequestValidator(AUTH_TOKEN).compute_signature(signed_url, params)
    form = [(name, [value]) for name, value in params.items()]

    assert twilio_signed(AUTH_TOKEN, site_url + "/channels/twilio/7/", form, signature)
    assert not twilio_signed(AUTH_TOKEN, site_url + "/channels/twilio/8/", form, signature)
    assert not twilio_signed(AUTH_TOKEN, site_url + "/channels/twilio/7/", form, "")


def test_a_giver_replies_1_to_their_reminder_and_it_is_given(
        patient: Patient, settings: SettingsWrapper, client: Client,
        public_api: Callable[[list[str], Respond], LoopbackAPI]) -> None:
    from pulserx.accounts.models import CareRole
    from tests.care.conftest import carer

    settings.SITE_URL = SITE
    twilio = public_api(["api.twilio.com"], lambda request: (
        201, {"sid": f"SM{len(twilio.received):032d}", "status": "queued"}))
    ana = carer(patient, "Ana", CareRole.GIVES)
    channel = add_channel(ana, "twilio", "Ana's phone", {
        "account_sid": TWILIO_SID, "auth_token": AUTH_TOKEN, "from_number": TWILIO_NUMBER,
        "to_number": PATIENTS_PHONE})
    dose = remind_now(patient)
    send_pending()
    [sent] = twilio.received
    assert sent.form()["Body"].endswith("Reply 1 once you have given it, 2 to skip.")

    assert incoming(client, channel, "1") == (200, "Given.")
    dose.refresh_from_db()
    assert dose.status == DoseStatus.TAKEN and dose.acted_by == ana


@pytest.mark.parametrize(("language", "reply", "action"), [
    ("fr", "Sautée", "skip"), ("fr", "SAUTEE", "skip"), ("fr", "prise", "take"),
    ("de", "Eingenommen!", "take"), ("es", "omitida", "skip"), ("ar", "تخطيت", "skip"),
    ("it", "2", "skip"), ("pt-br", "Tomei.", "take"), ("de", "vielleicht", None),
])
def test_a_reply_is_read_in_the_reader_s_words_accents_and_case_aside(
        language: str, reply: str, action: str | None) -> None:
    from pulserx.notifications.channels.replies import reply_action

    with translation.override(language):
        assert reply_action(reply) == action
