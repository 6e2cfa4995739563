"""The report for the doctor (a printable page and a PDF) and the CSV of every dose, for the
patient and for an accepted caregiver."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from pulserx.accounts.models import Patient
from pulserx.exports.dose_csv import dose_rows, write_csv
from pulserx.exports.pdf import render_pdf
from pulserx.exports.report import build_report, default_range
from pulserx.reminders.history import MAX_RANGE_DAYS, RangeError, check_range
from pulserx.web import charts
from pulserx.web.history_views import subject_of
from pulserx.web.responses import attachment


def requested_range(request: HttpRequest, patient: Patient) -> tuple[date, date]:
    """`start` and `end` (ISO dates, inclusive) from the query; the last 30 days by default."""
    first, last = default_range(patient, timezone.now())
    try:
        if request.GET.get("start"):
            first = date.fromisoformat(request.GET["start"])
        if request.GET.get("end"):
            last = date.fromisoformat(request.GET["end"])
    except ValueError:
        # Translators: keep YYYY-MM-DD as it is: the form the dates must be written in.
        raise RangeError(_("Write dates as YYYY-MM-DD.")) from None
    check_range(first, last)
    return first, last


def range_error(request: HttpRequest, error: RangeError) -> HttpResponse:
    return render(request, "web/report_error.html", {"error": str(error),
                  "max_days": MAX_RANGE_DAYS}, status=400)


@login_required
@require_GET
def report_page(request: HttpRequest, patient_id: int | None = None) -> HttpResponse:
    subject = subject_of(request, patient_id)
    try:
        first, last = requested_range(request, subject.patient)
    except RangeError as error:
        return range_error(request, error)
    report = build_report(subject.patient, first, last, timezone.now())
    query = f"start={first.isoformat()}&end={last.isoformat()}"
    return render(request, "web/report.html", {
        "subject": subject, "report": report, "query": query,
        "heatmap": charts.heatmap(report.cells, lambda d: f"{subject.base}?day={d}#day"),
        "late_minutes": int(settings.PULSERX_ON_TIME_WINDOW.total_seconds() // 60),
    })


@login_required
@require_GET
def report_pdf(request: HttpRequest, patient_id: int | None = None) -> HttpResponse:
    subject = subject_of(request, patient_id)
    try:
        first, last = requested_range(request, subject.patient)
    except RangeError as error:
        return range_error(request, error)
    report = build_report(subject.patient, first, last, timezone.now())
    return attachment(render_pdf(report), "application/pdf",
                      f"pulserx-report-{first.isoformat()}-{last.isoformat()}.pdf")


@login_required
@require_GET
def doses_csv(request: HttpRequest, patient_id: int | None = None) -> HttpResponse:
    subject = subject_of(request, patient_id)
    try:
        first, last = requested_range(request, subject.patient)
    except RangeError as error:
        return range_error(request, error)
    content = write_csv(dose_rows(subject.patient, first, last, timezone.now()))
    return attachment(content, "text/csv; charset=utf-8",
                      f"pulserx-doses-{first.isoformat()}-{last.isoformat()}.csv")
