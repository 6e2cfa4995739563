"""The private iCal feed: the patient's upcoming doses, from the same schedule math as the
reminders, so a calendar and the reminders always agree (RFC 5545 §3.3.5 wall-clock rules).

The address holds the credential (`Patient.calendar_token`): calendar apps cannot sign in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from pulserx.accounts.models import Patient, new_token
from pulserx.notifications.render import facts_of, reading, take_text
from pulserx.reminders.clock import day_start, local_today, patient_zone, reader_of
from pulserx.reminders.models import Dose
from pulserx.reminders.planning import planned_doses
from pulserx.reminders.schedule import Recurrence
from pulserx.siteurl import site_url

FEED_DAYS = 30
# 100 medications every 15 minutes for 30 days would be 288,000 events; calendar apps choke
# long before that, so the feed stops at the earliest FEED_EVENT_LIMIT doses, and plans no
# more than those.
FEED_EVENT_LIMIT = 3000


def calendar_url(patient: Patient, request: HttpRequest | None = None) -> str:
    """The feed's private address: whoever has it can read the patient's upcoming doses."""
    return site_url(request) + reverse("calendar-feed", args=[patient.calendar_token])


def reset_calendar_address(patient: Patient, request: HttpRequest | None = None) -> str:
    """Give the feed a new address; the old one stops working at once."""
    patient.calendar_token = new_token()
    patient.save(update_fields=["calendar_token"])
    return calendar_url(patient, request)
LINE_OCTETS = 75
CRLF = "\r\n"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Event:
    uid: str
    start: datetime  # aware UTC
    summary: str
    description: str


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and newline escaped;
    other control characters (forbidden in TEXT, §3.1) dropped."""
    value = _CONTROL.sub("", value)
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def fold(line: str) -> Iterator[str]:
    """Split a content line into physical lines of at most 75 octets (RFC 5545 §3.1); each
    continuation starts with a space. Never splits a UTF-8 character."""
    chunk, size = "", 0
    for char in line:
        octets = len(char.encode())
        if size + octets > LINE_OCTETS:
            yield chunk
            chunk, size = " ", 1
        chunk += char
        size += octets
    yield chunk


def utc_stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def render_calendar(events: Iterable[Event], now: datetime, name: str) -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//PulseRx//Dose calendar//EN",
             "CALSCALE:GREGORIAN", "METHOD:PUBLISH", f"X-WR-CALNAME:{escape_text(name)}",
             "REFRESH-INTERVAL;VALUE=DURATION:PT1H", "X-PUBLISHED-TTL:PT1H"]
    for event in events:
        lines += ["BEGIN:VEVENT", f"UID:{event.uid}", f"DTSTAMP:{utc_stamp(now)}",
                  f"DTSTART:{utc_stamp(event.start)}", f"SUMMARY:{escape_text(event.summary)}"]
        if event.description:
            lines.append(f"DESCRIPTION:{escape_text(event.description)}")
        lines += ["TRANSP:TRANSPARENT", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(physical + CRLF for line in lines for physical in fold(line))


def dose_event(dose: Dose, zone: ZoneInfo, host: str) -> Event:
    medication = dose.medication
    assert medication is not None
    return Event(uid=f"dose-{dose.schedule_id}-{utc_stamp(dose.due_at)}@{host}",
                 start=dose.due_at, summary=take_text(facts_of(dose, zone)),
                 description=medication.instructions)


def upcoming_events(patient: Patient, now: datetime) -> list[Event]:
    """Exactly the reminders the dispatcher fires, from the start of the patient's local
    today to `FEED_DAYS` days ahead: the dose rows it has already prepared, then what each
    schedule plans from its `next_due_at` on (never a time before it, which would never
    fire). One event per instance, so no calendar drops a time inside a DST gap. Paused
    medications and as-needed records have none."""
    zone = patient_zone(patient)
    start = day_start(local_today(patient, now), zone)
    until = now + timedelta(days=FEED_DAYS)
    host = urlsplit(settings.SITE_URL).hostname or "pulserx"
    # Each source's first FEED_EVENT_LIMIT hold the merged first FEED_EVENT_LIMIT: nothing
    # later is read or planned.
    stored = list(Dose.objects.filter(
        patient=patient, medication__isnull=False, medication__paused=False,
        due_at__gte=start, due_at__lte=until,
    ).exclude(schedule__recurrence=Recurrence.AS_NEEDED).select_related("medication")
        .order_by("due_at", "pk")[:FEED_EVENT_LIMIT])
    planned = planned_doses(patient, start, until + timedelta(microseconds=1),
                            limit=FEED_EVENT_LIMIT)
    events = {(event.uid, event.start): event
              for event in (dose_event(dose, zone, host) for dose in [*stored, *planned])}
    return sorted(events.values(), key=lambda event: (event.start, event.uid))[:FEED_EVENT_LIMIT]


@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    # An account waiting to be deleted publishes nothing; signing in brings the feed back.
    patient = get_object_or_404(Patient.objects.select_related("user"), calendar_token=token,
                                user__delete_after__isnull=True)
    now = timezone.now()
    # A calendar app has no session and no language of its own: the feed is worded in its
    # owner's language (each event's SUMMARY, the calendar's name).
    with reading(reader_of(patient.user)):
        # Translators: the name of the patient's dose calendar in their calendar app.
        body = render_calendar(upcoming_events(patient, now), now, _("PulseRx doses"))
    response = HttpResponse(body.encode(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="pulserx.ics"'
    response["Cache-Control"] = "private, no-cache"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response
