"""Template helpers for PulseRx pages: the live-update assets, the unread count, amounts."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import segno
from django import template
from django.http import HttpRequest
from django.template import Context
from django.templatetags.static import static
from django.utils import dateformat
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from pulserx.accounts.models import Patient
from pulserx.api.ical import calendar_url
from pulserx.clock_format import page_date, page_day_time, page_time
from pulserx.notifications import inbox
from pulserx.reminders.amounts import Measured, amount_text, written_quantity
from pulserx.reminders.given import already_words, given_words
from pulserx.reminders.models import Dose, Medication, Schedule
from pulserx.web.access import acting_url
from pulserx.web.schedule_words import (
    as_needed_summary,
    interval_summary,
    taper_summary,
    time_words,
)

register = template.Library()



def _cached(request: HttpRequest, name: str, compute: Any) -> Any:
    """One query per request however many times a page asks (badge, title, live state)."""
    cache: dict[str, Any] = request.__dict__.setdefault("_pulserx_inbox", {})
    if name not in cache:
        cache[name] = compute(request.user)
    return cache[name]


@register.simple_tag(takes_context=True)
def unread_count(context: dict[str, Any]) -> int:
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return 0
    return int(_cached(request, "unread", inbox.unread_count))


@register.inclusion_tag("web/_live_assets.html", takes_context=True)
def live_assets(context: dict[str, Any]) -> dict[str, Any]:
    """The scripts of a signed-in page and the state live.js starts from."""
    request = context["request"]
    if not request.user.is_authenticated:
        return {"signed_in": False}
    return {
        "signed_in": True,
        "user_id": request.user.pk,
        "unread": unread_count(context),
        "last_id": _cached(request, "last_id", inbox.last_notification_id),
    }


@register.simple_tag
def static_if_present(path: str) -> str:
    """The static URL of an optional file, or "" when a hashed-name storage has no entry
    for it (the page's script then treats the feature as absent)."""
    try:
        return static(path)
    except ValueError:
        return ""


@register.filter
def dose_amount(amount: Decimal | None, medication: Measured | None) -> str:
    """"1 tablet", "2 tablets", "5 mL", "0.5 tablet", "75 micrograms", "3 tablets (6 mg)" —
    or just the number."""
    if amount is None:
        return ""
    return amount_text(Decimal(amount), medication.measure if medication is not None else "")


@register.filter(name="given_words")
def given_words_filter(dose: Dose) -> str:
    """"Given by Ana at 08:05" under a recorded dose (empty for an open one)."""
    return given_words(dose)


@register.filter
def given_to(dose: Dose, reader: object) -> str:
    """The same words for a carer reading someone else's record: "Already given by Ana at
    08:05." where their buttons were (the patient reads "Given by Ana at 08:05")."""
    words = given_words(dose)
    reader_id = getattr(reader, "pk", None)
    if words and reader_id not in (dose.patient.user_id, dose.acted_by_id):
        return already_words(dose)
    return words


@register.filter
def quantity(value: Decimal | None) -> str:
    """A stock or threshold without trailing zeros, as the reader writes it: 9, 12.5 (12,5 in
    German)."""
    if value is None:
        return ""
    return written_quantity(Decimal(value))


@register.simple_tag(takes_context=True)
def unread_title(context: dict[str, Any]) -> str:
    """"(3) " before a page title while 3 notifications are unread (live.js keeps it true)."""
    count = unread_count(context)
    return f"({count}) " if count else ""


@register.filter
def schedule_summary(medication: Medication) -> str:
    """"08:00 (1 tablet), 20:00 (2 tablets) · every day · until 31 Mar"."""
    schedule = getattr(medication, "schedule", None)
    if schedule is None:
        return _("No schedule")
    return plan_summary(schedule, medication)


@register.filter
def plan_summary(schedule: Schedule, medication: Measured | None = None) -> str:
    """Any kind of schedule in words (an unsaved one too, as the import preview shows)."""
    def amount(value: Decimal) -> str:
        return dose_amount(value, medication)

    recurrence = schedule.recurrence
    if recurrence == "as_needed":
        return as_needed_summary(schedule, amount)
    if recurrence == "every_hours":
        text = interval_summary(schedule, amount)
    elif recurrence == "taper":
        return taper_summary(schedule, amount)
    else:
        times = ", ".join(time_words(t, amount) for t in schedule.times)
        text = f"{times} · {days_words(schedule)}"
    if schedule.end_date:
        # Translators: the last day of a schedule, after its times and days.
        text += _(" · until %(day)s") % {"day": dateformat.format(
            schedule.end_date, pgettext("report date", "j M Y"))}
    return text


def days_words(schedule: Schedule) -> str:
    """On which days a daily-kind schedule's times come: "every day", "on Mon, Thu"."""
    recurrence = schedule.recurrence
    if recurrence == "daily":
        return _("every day")
    if recurrence == "weekdays":
        days = ", ".join(str(WEEKDAYS_ABBR[d]) for d in sorted(schedule.weekdays))
        # Translators: the days of the week a medication is taken on: "on Mon, Thu".
        return _("on %(days)s") % {"days": days}
    if recurrence == "interval":
        return ngettext("every %(count)s day", "every %(count)s days",
                        schedule.every_days) % {"count": schedule.every_days}
    if recurrence == "cycle":
        # Translators: a cycle of days taking the medication, then days without it.
        return _("%(on)s days on, %(off)s off") % {"on": schedule.days_on,
                                                   "off": schedule.days_off}
    return str(recurrence)


@register.filter
def local_dt(moment: datetime, zone: ZoneInfo) -> str:
    """"Wed 25 Mar 08:00" (or "… 8:00 AM") on the given clock, in the reader's format."""
    return page_day_time(moment, zone)


@register.simple_tag
def time_example() -> str:
    """A time written the way the reader writes times, for a field's placeholder."""
    return page_time(time(8, 0))


@register.filter(expects_localtime=True)
def full_date(day: date | None, parts: str = "weekday year") -> str:
    """A date in the reader's language's own order and words (`clock_format.page_date`):
    "Samstag, 5. Dezember 2026". `parts`: what it shows besides the day and the month,
    "weekday year" (the default), "weekday" or "year"."""
    if day is None or day == "":
        return ""
    shown = parts.split()
    return page_date(day, weekday="weekday" in shown, year="year" in shown)


@register.filter
def wall_time(moment: datetime | time | None, zone: ZoneInfo | None = None) -> str:
    """A time of day in the reader's clock format ("8:00 PM" or "20:00"), on `zone`'s clock;
    a stored "HH:MM" too."""
    if moment is None or moment == "":
        return ""
    if isinstance(moment, str):
        moment = time.fromisoformat(moment)
    return page_time(moment, zone)


@register.inclusion_tag("web/_calendar_settings.html", takes_context=True)
def calendar_settings(context: Context, patient: Patient) -> dict[str, Any]:
    """The Settings section with the calendar feed's address, its QR code and the API docs."""
    url = calendar_url(patient, context.get("request"))
    qr = segno.make(url, error="m").svg_inline(
        scale=4, border=2, svgclass="qr-code", lineclass="qr-line", omitsize=True,
        dark="#000", light="#fff")
    # segno writes a bare <svg>: name it for assistive technology.
    label = escape(_("QR code of your calendar address"))
    qr = qr.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)
    return {"calendar_url": url, "qr_svg": mark_safe(qr)}  # segno's own markup, a label escaped


@register.simple_tag(takes_context=True)
def act_url(context: Context, name: str, *args: object) -> str:
    """The URL of page `name` for whoever the page acts for: the patient themself, or
    (`acting_for` in the context) the person a manager looks after."""
    return acting_url(name, context.get("acting_for"), *args)


@register.simple_tag(takes_context=True)
def person_calendar_url(context: Context, patient: Patient) -> str:
    """The private calendar address of a person a manager looks after."""
    return calendar_url(patient, context.get("request"))
