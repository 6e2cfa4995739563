"""The CSV of every dose in a range: due (UTC), local time, zone, medication, status,
recorded at, late, the amount with its unit ("2 tablets", "10 mL"), who recorded it (the
patient or which carer) and how (page, api, email…). Safe to open in a
spreadsheet: a cell that would start a formula (= + - @, tab or carriage return) is prefixed
with an apostrophe (OWASP's advice). UTF-8 with a byte-order mark, so a spreadsheet opened on
it by a double click (Excel reads a CSV without one in the system's legacy code page) shows
"Метформин" or "阿司匹林" as typed. Times are machine columns, ISO 8601, whatever the reader's
clock format."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date, datetime

from pulserx.accounts.models import Patient
from pulserx.reminders.amounts import amount_text
from pulserx.reminders.clock import day_bounds, patient_zone
from pulserx.reminders.given import giver_name
from pulserx.reminders.history import check_range, late_after
from pulserx.reminders.models import Dose

HEADER = ("due_utc", "due_local", "zone", "medication", "status", "recorded_at_utc", "late",
          "amount", "recorded_by", "recorded_via")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def guard(value: str) -> str:
    """A cell a spreadsheet will show as text, never run as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def dose_rows(patient: Patient, first: date, last: date, now: datetime) -> Iterator[list[str]]:
    check_range(first, last)
    zone = patient_zone(patient)
    start, _ = day_bounds(first, zone)
    _, end = day_bounds(last, zone)
    doses = (Dose.objects.filter(patient=patient, medication__isnull=False, due_at__gte=start,
                                 due_at__lt=end, due_at__lte=now)
             .select_related("medication", "acted_by").order_by("due_at", "pk"))
    for dose in doses.iterator(chunk_size=2000):
        assert dose.medication is not None
        late = (dose.status == "taken" and dose.acted_at is not None
                and dose.acted_at - dose.due_at > late_after())
        yield [dose.due_at.isoformat(), dose.due_at.astimezone(zone).isoformat(), zone.key,
               dose.medication.name, dose.status,
               dose.acted_at.isoformat() if dose.acted_at else "", "yes" if late else "no",
               amount_text(dose.amount, dose.medication.measure, separator="."),
               giver_name(dose.acted_by) if dose.acted_by_id else "", dose.recorded_via]


def write_csv(rows: Iterable[list[str]]) -> str:
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow([guard(cell) for cell in row])
    return buffer.getvalue()
