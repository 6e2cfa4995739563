"""The private iCal feed: the patient's upcoming doses, from the same schedule math as the
reminders, so a calendar and the reminders always agree (RFC 5545 §3.3.5 wall-clock rules).

The address holds the credential (`Patient.calendar_token`): calendar apps cannot sign in.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.decorators.http import require_safe

from pulserx.accounts.models import Patient
from pulserx.notifications.render import facts_of, take_text
from pulserx.reminders.clock import day_start, local_today, patient_zone
from pulserx.reminders.models import Schedule
from pulserx.reminders.planning import doses_between

FEED_DAYS = 30
LINE_OCTETS = 75
CRLF = "\r\n"


@dataclass(frozen=True)
class Event:
    uid: str
    start: datetime  # aware UTC
    summary: str
    description: str


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and newline escaped."""
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


def schedule_events(schedule: Schedule, zone: ZoneInfo, after: datetime, until: datetime,
                    host: str) -> Iterator[Event]:
    medication = schedule.medication
    for dose in doses_between(schedule, zone, after, until):
        dose.medication = medication
        yield Event(uid=f"dose-{schedule.pk}-{utc_stamp(dose.due_at)}@{host}",
                    start=dose.due_at, summary=take_text(facts_of(dose, zone)),
                    description=medication.instructions)


def upcoming_events(patient: Patient, now: datetime) -> list[Event]:
    """Doses from the start of the patient's local today to `FEED_DAYS` days ahead, in the
    zone the reminders use. Paused medications have none."""
    zone = patient_zone(patient)
    after = day_start(local_today(patient, now), zone) - timedelta(microseconds=1)
    until = now + timedelta(days=FEED_DAYS)
    host = urlsplit(settings.SITE_URL).hostname or "pulserx"
    schedules = Schedule.objects.filter(patient=patient, medication__paused=False
                                        ).select_related("medication").order_by("pk")
    events = [event for schedule in schedules
              for event in schedule_events(schedule, zone, after, until, host)]
    return sorted(events, key=lambda event: (event.start, event.uid))


@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    patient = get_object_or_404(Patient, calendar_token=token)
    now = timezone.now()
    body = render_calendar(upcoming_events(patient, now), now, "PulseRx doses")
    response = HttpResponse(body.encode(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="pulserx.ics"'
    response["Cache-Control"] = "private, no-cache"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response
