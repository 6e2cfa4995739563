"""Email deliveries through a real SMTP server on loopback, and the one-click Take / Skip
links they carry: a GET only asks, a POST records once, expired or altered links change
nothing."""

from __future__ import annotations

import email
import json
import re
import subprocess
import sys
from datetime import timedelta
from decimal import Decimal
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import Settings as SettingsWrapper

from pulserx.accounts.models import Patient, User
from pulserx.notifications.models import (
    Channel,
    DeliveryCause,
    DeliveryStatus,
    NotificationKind,
)
from pulserx.notifications.push_tokens import push_action_token
from pulserx.reminders.models import Dose, DoseStatus, Medication
from tests.notifications.conftest import (
    REFUSED_ADDRESS,
    Mailbox,
    delivered,
    due_dose,
    pending_delivery,
)
from tests.support import free_port

pytestmark = pytest.mark.django_db
LINK = re.compile(r"https?://[^\s\"<>]+/email/dose/[^/\s\"<>]+/")


@pytest.fixture
def emailed(patient: Patient) -> Patient:
    patient.notify_email = True
    patient.save()
    return patient


def received(mailbox: Mailbox) -> EmailMessage:
    [envelope] = mailbox.envelopes
    message = email.message_from_bytes(envelope.original_content or b"", policy=default_policy)
    assert isinstance(message, EmailMessage)
    return message


def parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    return str(text.get_content()), str(html.get_content())


def links(text: str) -> dict[str, str]:
    """{"take": path, "skip": path} from the text part, in that order."""
    found = LINK.findall(text)
    return dict(zip(("take", "skip"), (urlsplit(url).path for url in found), strict=True))


def send_reminder(mailbox: Mailbox, patient: Patient) -> tuple[Dose, dict[str, str]]:
    dose = due_dose(patient)
    delivery = delivered(pending_delivery(dose, patient.user, Channel.EMAIL))
    assert delivery.status == DeliveryStatus.SENT, delivery.last_error
    text, _ = parts(received(mailbox))
    return dose, links(text)


def stock_of(dose: Dose) -> Decimal | None:
    return Medication.objects.get(doses=dose).stock


def test_a_reminder_email_arrives_with_take_and_skip_links(
        smtp_server: Mailbox, emailed: Patient) -> None:
    dose = due_dose(emailed)
    delivery = delivered(pending_delivery(dose, emailed.user, Channel.EMAIL))

    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 1
    [envelope] = smtp_server.envelopes
    assert envelope.rcpt_tos == ["alex@example.org"]
    message = received(smtp_server)
    assert message["Subject"] == "Time for Metformin 500 mg"
    assert message["To"] == "alex@example.org"
    assert message["Auto-Submitted"] == "auto-generated"
    text, html = parts(message)
    due = dose.due_at.astimezone(ZoneInfo("Europe/London")).strftime("%H:%M")
    assert f"Take 1 tablet of Metformin 500 mg — with food (due at {due})." in text
    assert "Metformin 500 mg" in html
    found = links(text)
    assert set(found) == {"take", "skip"} and found["take"] != found["skip"]
    assert all(path in html for path in found.values())
    assert "work for 12 hours" in text


def test_get_only_asks_and_post_takes_the_dose_once(smtp_server: Mailbox,
                                                    emailed: Patient) -> None:
    dose, found = send_reminder(smtp_server, emailed)
    browser = Client(enforce_csrf_checks=True)  # not signed in: the link is the credential

    confirm = browser.get(found["take"])
    dose.refresh_from_db()
    assert confirm.status_code == 200
    assert b"Mark as taken?" in confirm.content and b"<form method=\"post\">" in confirm.content
    assert dose.status == DoseStatus.NOTIFIED and stock_of(dose) == Decimal(30)

    csrf = browser.cookies["csrftoken"].value
    done = browser.post(found["take"], {"csrfmiddlewaretoken": csrf})
    dose.refresh_from_db()
    assert done.status_code == 200
    assert b"Marked as taken" in done.content
    assert dose.status == DoseStatus.TAKEN and dose.acted_by == emailed.user
    assert stock_of(dose) == Decimal(29)
    acted_at = dose.acted_at

    again = browser.post(found["take"], {"csrfmiddlewaretoken": csrf})
    dose.refresh_from_db()
    assert again.status_code == 200 and b"Already recorded" in again.content
    assert dose.acted_at == acted_at and stock_of(dose) == Decimal(29)

    skip_after = browser.get(found["skip"])
    assert b"Already recorded" in skip_after.content and b"<form" not in skip_after.content
    assert browser.post(found["skip"], {"csrfmiddlewaretoken": csrf}).status_code == 200
    dose.refresh_from_db()
    assert dose.status == DoseStatus.TAKEN


def test_the_skip_link_skips_without_touching_stock(smtp_server: Mailbox,
                                                    emailed: Patient, client: Client) -> None:
    dose, found = send_reminder(smtp_server, emailed)

    response = client.post(found["skip"])

    dose.refresh_from_db()
    assert response.status_code == 200 and b"Dose skipped" in response.content
    assert dose.status == DoseStatus.SKIPPED and stock_of(dose) == Decimal(30)


def test_a_missed_dose_can_still_be_taken_from_the_link(smtp_server: Mailbox,
                                                        emailed: Patient,
                                                        client: Client) -> None:
    dose, found = send_reminder(smtp_server, emailed)
    Dose.objects.filter(pk=dose.pk).update(status=DoseStatus.MISSED)

    assert b"Mark as taken?" in client.get(found["take"]).content
    client.post(found["take"])

    dose.refresh_from_db()
    assert dose.status == DoseStatus.TAKEN


def test_an_expired_link_changes_nothing(smtp_server: Mailbox, emailed: Patient,
                                         client: Client) -> None:
    dose, found = send_reminder(smtp_server, emailed)

    with time_machine.travel(timezone.now() + timedelta(hours=12, minutes=1)):
        shown = client.get(found["take"])
        posted = client.post(found["take"])

    dose.refresh_from_db()
    assert shown.status_code == posted.status_code == 410
    assert b"This link has expired" in posted.content
    assert dose.status == DoseStatus.NOTIFIED and stock_of(dose) == Decimal(30)


def test_the_link_lifetime_follows_the_setting(smtp_server: Mailbox, emailed: Patient,
                                               client: Client,
                                               settings: SettingsWrapper) -> None:
    settings.PULSERX_EMAIL_LINK_MAX_AGE = timedelta(hours=1)
    dose, found = send_reminder(smtp_server, emailed)

    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        assert client.post(found["take"]).status_code == 410
    assert client.post(found["take"]).status_code == 200
    dose.refresh_from_db()
    assert dose.status == DoseStatus.TAKEN


@pytest.mark.parametrize("tamper", ["swap-dose", "truncate", "garbage", "push-token"])
def test_an_altered_link_is_refused(smtp_server: Mailbox, emailed: Patient, client: Client,
                                    tamper: str) -> None:
    dose, found = send_reminder(smtp_server, emailed)
    token = found["take"].split("/")[-2]
    if tamper == "swap-dose":  # the payload names another dose; the signature no longer fits
        payload, signature = token.split(":", 1)
        claims = json.loads(signing.b64_decode(payload.encode()))
        claims["d"] = due_dose(emailed).pk
        token = signing.b64_encode(json.dumps(claims, separators=(",", ":")).encode()).decode()
        token += ":" + signature
    elif tamper == "truncate":
        token = token[:-3]
    elif tamper == "garbage":
        token = "abc"
    else:
        token = push_action_token(dose.pk, emailed.user.pk)

    response = client.post(f"/email/dose/{token}/")

    assert response.status_code == 400
    assert b"This link is not valid" in response.content
    assert not Dose.objects.filter(status=DoseStatus.TAKEN).exists()


def test_a_link_to_a_deleted_dose_says_so(smtp_server: Mailbox, emailed: Patient,
                                          client: Client) -> None:
    dose, found = send_reminder(smtp_server, emailed)
    Medication.objects.filter(doses=dose).delete()

    response = client.post(found["take"])

    assert response.status_code == 404 and b"no longer exists" in response.content


def test_a_caregiver_alert_links_to_the_app_only(smtp_server: Mailbox, patient: Patient,
                                                 caregiver: User) -> None:
    dose = due_dose(patient)
    Dose.objects.filter(pk=dose.pk).update(status=DoseStatus.MISSED)
    delivery = delivered(pending_delivery(dose, caregiver, Channel.EMAIL,
                                          kind=NotificationKind.CAREGIVER_MISSED))

    assert delivery.status == DeliveryStatus.SENT, delivery.last_error
    message = received(smtp_server)
    assert message["Subject"] == "alex missed a dose"
    assert message["To"] == "carol@example.org"
    text, html = parts(message)
    assert LINK.search(text) is None and LINK.search(html) is None
    assert "http://127.0.0.1:8000/" in text


def test_a_refused_recipient_fails_for_good(smtp_server: Mailbox, emailed: Patient) -> None:
    User.objects.filter(pk=emailed.user.pk).update(email=REFUSED_ADDRESS)
    delivery = delivered(pending_delivery(due_dose(emailed), emailed.user, Channel.EMAIL))

    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.next_attempt_at is None and delivery.attempts == 1
    assert delivery.last_error == "the mail server refused the recipient's address"
    assert delivery.cause == DeliveryCause.ADDRESS_REFUSED
    assert smtp_server.envelopes == []


def test_an_unreachable_mail_server_is_retried(emailed: Patient,
                                               settings: SettingsWrapper) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    before = timezone.now()

    delivery = delivered(pending_delivery(due_dose(emailed), emailed.user, Channel.EMAIL))

    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert delivery.next_attempt_at is not None and delivery.next_attempt_at > before
    assert delivery.last_error.startswith("the mail server could not be reached")
    assert delivery.cause == DeliveryCause.UNREACHABLE


def test_no_email_once_the_patient_turned_email_off(smtp_server: Mailbox,
                                                    patient: Patient) -> None:
    delivery = delivered(pending_delivery(due_dose(patient), patient.user, Channel.EMAIL))

    assert delivery.status == DeliveryStatus.SKIPPED
    assert delivery.last_error == "email reminders are turned off"
    assert delivery.cause == DeliveryCause.SWITCHED_OFF
    assert smtp_server.envelopes == []


def test_no_reminder_is_emailed_to_an_unverified_address(smtp_server: Mailbox,
                                                         emailed: Patient) -> None:
    User.objects.filter(pk=emailed.user_id).update(email_verified=False)
    emailed.user.refresh_from_db()

    delivery = delivered(pending_delivery(due_dose(emailed), emailed.user, Channel.EMAIL))

    assert delivery.status == DeliveryStatus.SKIPPED
    assert delivery.last_error == "the recipient's email address is not verified"
    assert delivery.cause == DeliveryCause.NO_ADDRESS
    assert smtp_server.envelopes == []


def test_an_email_with_links_does_not_load_the_urlconf() -> None:
    """The worker writes every reminder email; the URLconf (every view, the API, the admin)
    would take tens of MB of its memory at the first one, for two links."""
    code = """
import django, sys
django.setup()
from datetime import UTC, datetime
from django.conf import settings
from django.template.loader import render_to_string
from pulserx.notifications.render import Message
from pulserx.notifications.shapes import email_context
message = Message(id=1, kind="reminder", dose_id=7, patient_id=1, recipient_id=1,
                  title="Time for a dose", body="Take 1 tablet", late=False, actionable=True,
                  created_at=datetime.now(UTC))
context = email_context(message)
render_to_string("notifications/email/notification.txt", context)
render_to_string("notifications/email/notification.html", context)
print("/email/dose/" in context["take_url"], settings.ROOT_URLCONF in sys.modules)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={"DJANGO_SETTINGS_MODULE": "pulserx.settings",
                                          "PATH": "/usr/bin:/bin",
                                          "PYTHONPATH": str(Path(__file__).parents[2])})
    assert out.stdout.split() == ["True", "False"]


def test_the_email_link_path_is_the_urlconfs() -> None:
    from django.urls import reverse

    from pulserx.notifications.email_links import ACTION_PATH

    assert ACTION_PATH.format(token="abc") == reverse("email-dose-action", args=["abc"])
