"""Who saw what: reads of a patient's health data by anyone but the patient in a browser.

A row says who read whose data, what kind and in which hour — never the data. Writes are
bounded: one INSERT … ON CONFLICT DO NOTHING per reader, subject, kind and hour, so a
caregiver's page polling every few seconds adds one row an hour, not one per poll.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from pulserx.accounts.models import AccessKind, AccessRecord, Patient, User

# Caregiver pages, by URL name, and what of the patient's data each shows.
KIND_OF_PAGE: dict[str, AccessKind] = {
    "care_patient_day": AccessKind.DAY,
    "care_patient_timeline": AccessKind.DAY,
    "care_patient_adherence": AccessKind.DAY,
    "care_history": AccessKind.HISTORY,
    "care_report": AccessKind.REPORT,
    "care_report_pdf": AccessKind.REPORT,
    "care_doses_csv": AccessKind.EXPORT,
    "care_fhir_export": AccessKind.EXPORT,
}


def hour_of(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def record_read(reader: User, subject: Patient, kind: AccessKind, *,
                token_name: str = "", now: datetime | None = None) -> None:
    """Note that `reader` read `subject`'s data of `kind` now (once an hour at most)."""
    now = now or timezone.now()
    AccessRecord.objects.bulk_create(
        [AccessRecord(reader=reader, subject=subject, kind=kind, hour=hour_of(now),
                      first_read_at=now, token_name=token_name[:100])],
        ignore_conflicts=True)


@dataclass(frozen=True)
class AccessLine:
    """One line of the patient's "who saw what" page."""

    who: str
    what: str
    when: datetime


def reader_name(record: AccessRecord) -> str:
    if record.kind == AccessKind.API:
        # Translators: %(name)s is the name the patient gave the token.
        return _("Your API token “%(name)s”") % {"name": record.token_name} \
            if record.token_name else _("An API token of yours")
    reader = record.reader
    return reader.get_full_name() or reader.first_name or reader.email


def access_lines(subject: Patient, zone: ZoneInfo, limit: int = 200) -> list[AccessLine]:
    """The latest reads of `subject`'s data, times on the clock of whoever reads the log."""
    records = (AccessRecord.objects.filter(subject=subject).select_related("reader")
               .order_by("-first_read_at", "-pk")[:limit])
    return [AccessLine(who=reader_name(r), what=str(AccessKind(r.kind).label),
                       when=r.first_read_at.astimezone(zone)) for r in records]


def expired_records(now: datetime) -> QuerySet[AccessRecord]:
    return AccessRecord.objects.filter(
        hour__lt=now - timedelta(days=settings.PULSERX_ACCESS_LOG_DAYS))
