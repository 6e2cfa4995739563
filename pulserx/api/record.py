"""The patient's record: history, streaks, the supply forecast, refills, the report (PDF)
and the CSV of doses. Reading works for the patient and for an accepted caregiver (pass
`patient`); refilling only for the patient."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from django.conf import settings
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Router
from ninja.errors import HttpError
from ninja.params.functions import Query
from pydantic import WithJsonSchema

from pulserx.accounts.care import patient_in_care
from pulserx.accounts.models import CareLink, CareLinkStatus, CareRole, Patient
from pulserx.api.auth import any_auth, caller, caller_patient
from pulserx.api.record_schemas import (
    DayOut,
    ForecastOut,
    HistoryOut,
    MedicationHistoryOut,
    RefillIn,
    StockEventOut,
    StreaksOut,
    TallyOut,
    WindowOut,
)
from pulserx.api.schemas import BoundedDate, ErrorOut
from pulserx.exports.dose_csv import dose_rows, write_csv
from pulserx.exports.pdf import render_pdf
from pulserx.exports.report import DEFAULT_DAYS, build_report, default_range
from pulserx.reminders.adherence import DayCell, Tally
from pulserx.reminders.history import (
    HEATMAP_DAYS,
    MAX_RANGE_DAYS,
    RangeError,
    check_range,
    history,
)
from pulserx.reminders.models import Medication
from pulserx.reminders.schedule import FIRST_DATE, LAST_DATE
from pulserx.reminders.stock import StockError, refill
from pulserx.reminders.supply import forecast
from pulserx.web.responses import attachment

router = Router(tags=["record"], auth=any_auth)
_ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut}
PatientParam = Annotated[int | None, Query(
    ge=1, le=2**63 - 1,
    description="A patient you are an accepted caregiver of; yourself when omitted.")]
StartParam = Annotated[BoundedDate | None, Query(
    description="First local day (30 days before end; 30 days ago when end is not given).")]
EndParam = Annotated[BoundedDate | None, Query(
    description=f"Last local day, inclusive: not before start, at most {MAX_RANGE_DAYS} "
                f"days in all (today, or the last day {MAX_RANGE_DAYS} days from a start "
                f"given alone).")]


def readable_patient(request: HttpRequest, patient_id: int | None) -> Patient:
    """The caller's own patient, or one they are an accepted caregiver of (404 otherwise)."""
    if patient_id is None:
        return caller_patient(request)
    link = CareLink.objects.filter(
        patient_id=patient_id, caregiver=caller(request), status=CareLinkStatus.ACCEPTED,
    ).select_related("patient__user").first()
    if link is None:
        if Patient.objects.filter(pk=patient_id, user=caller(request)).exists():
            return caller_patient(request)
        raise Http404
    return link.patient


def tally_out(tally: Tally) -> dict[str, Any]:
    return {"taken": tally.taken, "skipped": tally.skipped, "missed": tally.missed,
            "pending": tally.pending, "late": tally.late, "percent": tally.percent}


def day_out(cell: DayCell) -> DayOut:
    return DayOut(date=cell.day, fully_taken=cell.fully_taken, **tally_out(cell.tally))


@router.get("/history", response={200: HistoryOut, **_ERRORS})
def get_history(request: HttpRequest, patient: PatientParam = None,
                days: Annotated[int, Query(description="90 or 365"), WithJsonSchema(
                    {"type": "integer", "enum": sorted(HEATMAP_DAYS)})] = 90) -> Any:
    """The History page's figures: a cell per local day, streaks, on-time against late, and
    each medication's 7/30/90-day adherence. Test reminders never count."""
    subject = readable_patient(request, patient)
    if days not in HEATMAP_DAYS:
        raise HttpError(400, "days must be 90 or 365")
    record = history(subject, timezone.now(), days)
    return HistoryOut(
        patient_id=subject.pk, timezone=record.zone.key, today=record.today,
        on_time_window_minutes=int(settings.PULSERX_ON_TIME_WINDOW.total_seconds() // 60),
        days=[day_out(cell) for cell in record.cells],
        streaks=StreaksOut(current=record.streaks.current, longest=record.streaks.longest),
        punctuality=TallyOut(**tally_out(record.punctuality)),
        medications=[MedicationHistoryOut(
            medication_id=row.medication.pk, name=row.medication.name,
            windows=[WindowOut(days=n, **tally_out(t)) for n, t in row.adherence.windows.items()])
            for row in record.medications],
    )


@router.get("/streaks", response={200: StreaksOut, **_ERRORS})
def get_streaks(request: HttpRequest, patient: PatientParam = None) -> Any:
    """Current and longest streak of fully-taken days."""
    record = history(readable_patient(request, patient), timezone.now())
    return StreaksOut(current=record.streaks.current, longest=record.streaks.longest)


def medication_of(request: HttpRequest, patient_id: int | None, medication_id: int
                  ) -> Medication:
    subject = readable_patient(request, patient_id)
    medication = (Medication.objects.filter(pk=medication_id, patient=subject)
                  .select_related("schedule", "patient").first())
    if medication is None:
        raise Http404
    return medication


@router.get("/medications/{medication_id}/forecast", response={200: ForecastOut, **_ERRORS})
def get_forecast(request: HttpRequest, medication_id: int, patient: PatientParam = None) -> Any:
    """When the stock runs out, from the stock and the schedule, and when the refill reminder
    is due. Fields are null when no stock is kept or the medication is paused or as-needed."""
    medication = medication_of(request, patient, medication_id)
    now = timezone.now()
    supply = forecast(medication, now)
    runs_out = supply.runs_out_at if supply else None
    return ForecastOut(
        medication_id=medication.pk, stock=medication.stock,
        refill_threshold=medication.refill_threshold, pack_size=medication.pack_size,
        lead_days=medication.refill_lead_days, runs_out_at=runs_out,
        runs_out_on=runs_out.astimezone(supply.zone).date() if supply and runs_out else None,
        days_left=supply.days_left(now) if supply else None,
        remind_at=supply.lead_at if supply else None,
        threshold_at=supply.threshold_at if supply else None,
        summary=supply.runs_out_words() if supply else "no forecast: no stock count kept, "
                                                       "paused or taken as needed",
    )


@router.post("/medications/{medication_id}/refill", response={200: StockEventOut, **_ERRORS})
def post_refill(request: HttpRequest, medication_id: int, payload: RefillIn) -> Any:
    """"Refilled": add the pack size (or `amount`) to the stock, record a stock event and
    start a new refill cycle (its reminders are planned again). The patient's own
    medication, or one of a person whose care team the caller manages."""
    medication = Medication.objects.filter(pk=medication_id).first()
    if medication is None or patient_in_care(caller(request), medication.patient_id,
                                             CareRole.MANAGES) is None:
        raise Http404
    try:
        return refill(medication.pk, caller(request), timezone.now(), payload.amount)
    except StockError as error:
        raise HttpError(400, str(error)) from None


@router.get("/medications/{medication_id}/stock-events",
            response={200: list[StockEventOut], **_ERRORS})
def list_stock_events(request: HttpRequest, medication_id: int,
                      patient: PatientParam = None) -> Any:
    """The last 200 changes of the stock, newest first: taken, refilled, corrected."""
    return medication_of(request, patient, medication_id).stock_events.all()[:200]


def export_range(subject: Patient, start: date | None, end: date | None) -> tuple[date, date]:
    for day in (start, end):
        if day is not None and not FIRST_DATE <= day <= LAST_DATE:
            raise HttpError(400, f"Dates must be within {FIRST_DATE}..{LAST_DATE}.")
    first, last = default_range(subject, timezone.now())
    if end is not None:
        first, last = start or end - timedelta(days=DEFAULT_DAYS - 1), end
    elif start is not None:  # a start alone runs to today, within the longest range
        first, last = start, max(start, min(last, start + timedelta(days=MAX_RANGE_DAYS - 1)))
    try:
        check_range(first, last)
    except RangeError as error:
        raise HttpError(400, str(error)) from None
    return first, last


@router.get("/report.pdf", response={200: bytes, **_ERRORS},
            openapi_extra={"responses": {200: {"description": "The report (A4 PDF)",
                                               "content": {"application/pdf": {}}}}})
def get_report_pdf(request: HttpRequest, patient: PatientParam = None,
                   start: StartParam = None, end: EndParam = None) -> Any:
    """The report for the doctor as a PDF: patient, medications with schedule and
    instructions, adherence per medication, missed and late doses, and the chart."""
    subject = readable_patient(request, patient)
    first, last = export_range(subject, start, end)
    pdf = render_pdf(build_report(subject, first, last, timezone.now()))
    return attachment(pdf, "application/pdf", f"pulserx-report-{first}-{last}.pdf")


@router.get("/doses.csv", response={200: str, **_ERRORS},
            openapi_extra={"responses": {200: {"description": "Every dose of the range",
                                               "content": {"text/csv": {}}}}})
def get_doses_csv(request: HttpRequest, patient: PatientParam = None,
                  start: StartParam = None, end: EndParam = None) -> Any:
    """Every dose due in the range: due (UTC), local time, zone, medication, status,
    recorded at, late. Cells that could start a spreadsheet formula begin with '."""
    subject = readable_patient(request, patient)
    first, last = export_range(subject, start, end)
    content = write_csv(dose_rows(subject, first, last, timezone.now()))
    return attachment(content, "text/csv; charset=utf-8", f"pulserx-doses-{first}-{last}.csv")
