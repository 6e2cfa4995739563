"""Every language, end to end: a reader who signs up with a browser in Spanish, German,
French, Brazilian Portuguese, Italian or Arabic reads that language everywhere their
reminder reaches them — the Today page, the live toast, the inbox page, the email (text and
HTML) and the push payload — with the same time of day on every channel.

The expected words are taken from the shipped catalogs (`translation.override` + `gettext`
of the renderer's own msgids), so the test checks the real translations, and each must differ
from the English it replaces."""

from __future__ import annotations

import html
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext

from pulserx.accounts.models import Patient, User
from pulserx.dispatch.tick import tick
from pulserx.notifications.models import NotificationKind
from tests.accounts.helpers import PASSWORD
from tests.notifications.conftest import (  # noqa: F401 (fixtures)
    Mailbox,
    PushService,
    push_service,
    smtp_server,
    vapid,
)
from tests.notifications.test_travelling_patient import LiveEvents, parts, send_pending
from tests.support import https_client

pytestmark = pytest.mark.django_db

HOME = "Europe/Berlin"
DAY = date(2027, 1, 12)
EIGHT = "08:00"  # every language here writes times on the 24-hour clock
WHAT = "Metformin 500 mg"
# The browser's header, and the code the account is given.
LANGUAGES = [pytest.param(header, code, id=code) for header, code in [
    ("es-ES,es;q=0.9", "es"), ("de-DE,de;q=0.9", "de"), ("fr-FR,fr;q=0.9", "fr"),
    ("pt-BR,pt;q=0.9", "pt-br"), ("it-IT,it;q=0.9", "it"), ("ar-EG,ar;q=0.9", "ar")]]


def words_in(language: str) -> dict[str, str]:
    """What the renderer and the Today page say of one tablet of Metformin 500 mg due at
    08:00, in `language` (the renderer's msgids: pulserx/notifications/render.py)."""
    with translation.override(language):
        amount = ngettext("%(n)s tablet", "%(n)s tablets", 1) % {"n": "1"}
        return {
            "title": gettext("Time for %(medication)s") % {"medication": WHAT},
            "body": gettext("Take %(amount)s of %(medication)s (due at %(time)s).")
            % {"amount": amount, "medication": WHAT, "time": EIGHT},
            "amount": amount,
            "your doses": gettext("Your doses"),
        }


def medication_form(start: date) -> dict[str, object]:
    """The medication page's form (pulserx/web/medication_forms.py): one tablet daily at
    08:00."""
    return {"name": "Metformin", "strength": "500 mg", "form": "tablet", "instructions": "",
            "stock": "30", "refill_threshold": "5", "recurrence": "daily", "weekdays": [],
            "every_days": "2", "days_on": "21", "days_off": "7",
            "start_date": start.isoformat(), "end_date": "", "time": ["08:00"],
            "amount": ["1"]}


@pytest.mark.parametrize(("header", "language"), LANGUAGES)
def test_a_reader_gets_their_reminder_in_their_language_on_every_channel(
        header: str, language: str,
        push_service: PushService, smtp_server: Mailbox) -> None:  # noqa: F811
    due_at = datetime.combine(DAY, time(8, 0), tzinfo=ZoneInfo(HOME)).astimezone(UTC)
    expected, english = words_in(language), words_in("en")
    for key in ("title", "body", "amount", "your doses"):
        assert expected[key] != english[key], (language, key)

    with time_machine.travel(due_at - timedelta(hours=12), tick=False):
        browser = https_client(headers={"Accept-Language": header})
        signed_up = browser.post(reverse("signup"), {
            "email": "lena@example.org", "first_name": "Lena", "password1": PASSWORD,
            "password2": PASSWORD, "account_type": "patient", "timezone": HOME})
        assert signed_up.status_code == 302
        user = User.objects.get(email="lena@example.org")
        assert user.language == language
        user.email_verified = True
        user.save(update_fields=["email_verified"])
        Patient.objects.filter(user=user).update(notify_email=True, notify_push=True)
        push_service.subscribe(user)
        client = https_client(headers={"Accept-Language": header})
        client.force_login(user)
        added = client.post("/medications/new", medication_form(DAY - timedelta(days=1)))
        assert added.status_code == 302, added.content.decode()[:2000]

    live = LiveEvents(user)
    try:
        with time_machine.travel(due_at - timedelta(minutes=5), tick=False):
            tick()  # the dose row is prepared minutes ahead
        with time_machine.travel(due_at + timedelta(seconds=1), tick=False):
            today = html.unescape(client.get("/").content.decode())
            tick()
            events = live.received()
            send_pending(user)
            inbox_page = html.unescape(client.get("/inbox/").content.decode())
            text, mail_html = parts(smtp_server, user.email)
    finally:
        live.close()

    direction = "rtl" if language == "ar" else "ltr"
    assert f'<html lang="{language}" dir="{direction}">' in today
    assert f">{EIGHT}</time>" in today
    assert expected["amount"] in today and expected["your doses"] in today

    toast = next(e for e in events if e.get("kind") == "notification")
    push = next(p.payload for p in push_service.received
                if p.payload and p.payload["kind"] == NotificationKind.REMINDER)
    assert (toast["title"], toast["body"]) == (expected["title"], expected["body"])
    assert (push["title"], push["body"]) == (expected["title"], expected["body"])
    for channel, said in {"inbox page": inbox_page, "email text": html.unescape(text),
                          "email HTML": html.unescape(mail_html)}.items():
        assert expected["title"] in said and expected["body"] in said, channel
        assert english["title"] not in said and english["body"] not in said, channel
    assert f'<html lang="{language}" dir="{direction}">' in inbox_page
    for channel, said in {"toast": toast["body"], "push": push["body"], "inbox page": inbox_page,
                          "email text": text, "email HTML": mail_html}.items():
        assert EIGHT in said and "8:00 AM" not in said, channel
