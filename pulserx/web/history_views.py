"""History: the heat map, per-medication adherence, streaks, on-time figures, one day's doses
and the supply forecast. The patient and an accepted caregiver see the same page; only the
patient gets the buttons."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from pulserx.accounts.care import patient_in_care
from pulserx.accounts.models import CareRole, Patient
from pulserx.reminders.amounts import read_quantity, written_quantity
from pulserx.reminders.history import HEATMAP_DAYS, RangeError, day_doses, history
from pulserx.reminders.models import Medication
from pulserx.reminders.stock import StockError, refill
from pulserx.reminders.supply import Forecast, forecast
from pulserx.web import charts
from pulserx.web.access import (
    acting_medication,
    acting_url,
    cared_patient,
    own_patient,
    patient_label,
    signed_in_user,
)
from pulserx.web.day import dose_state


@dataclass(frozen=True)
class Subject:
    """Whose record a page shows, and to whom: `base` is the URL prefix of their pages."""

    patient: Patient
    readonly: bool
    base: str
    label: str


def subject_of(request: HttpRequest, patient_id: int | None) -> Subject:
    if patient_id is None:
        patient = own_patient(request)
        return Subject(patient, False, reverse("history"), "Your")
    patient = cared_patient(request, patient_id)
    return Subject(patient, True, reverse("care_history", args=[patient.pk]),
                   f"{patient_label(patient)}\u2019s")


@dataclass(frozen=True)
class SupplyLine:
    medication: Medication
    forecast: Forecast | None
    days_left: int | None


def supply_lines(patient: Patient) -> list[SupplyLine]:
    now = timezone.now()
    lines = []
    for medication in patient.medications.select_related("schedule", "patient"):
        supply = forecast(medication, now)
        lines.append(SupplyLine(medication, supply, supply.days_left(now) if supply else None))
    return lines


def parse_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def history_context(request: HttpRequest, subject: Subject) -> dict[str, Any]:
    days = 365 if request.GET.get("days") == "365" else HEATMAP_DAYS[0]
    record = history(subject.patient, timezone.now(), days)
    selected = parse_day(request.GET.get("day"))
    if selected is not None and not record.cells[0].day <= selected <= record.today:
        selected = None
    suffix = "&days=365" if days == 365 else ""
    now = timezone.now()
    doses = day_doses(subject.patient, selected) if selected else []
    # A carer who manages the person refills their stock here too.
    manages = subject.readonly and patient_in_care(
        signed_in_user(request), subject.patient.pk, CareRole.MANAGES) is not None
    return {
        "subject": subject, "patient": subject.patient, "readonly": subject.readonly,
        "manages": manages, "acting_for": subject.patient.pk if subject.readonly else None,
        "history": record, "days": days, "zone": record.zone, "selected": selected,
        "heatmap": charts.heatmap(record.cells, lambda d: f"?day={d.isoformat()}{suffix}#day",
                                  selected),
        "bars": charts.adherence_bars(record.medications),
        "day_entries": [(dose, dose_state(dose, now)) for dose in doses],
        "supply": supply_lines(subject.patient),
        "late_minutes": int(settings.PULSERX_ON_TIME_WINDOW.total_seconds() // 60),
    }


@login_required
@require_GET
def history_page(request: HttpRequest, patient_id: int | None = None) -> HttpResponse:
    subject = subject_of(request, patient_id)
    return render(request, "web/history.html", history_context(request, subject))


@login_required
@require_POST
def medication_refill(request: HttpRequest, medication_id: int,
                      patient_id: int | None = None) -> HttpResponse:
    """"Refilled": add the pack size (or the amount given) to the stock."""
    medication = acting_medication(request, medication_id, patient_id)
    try:
        amount = parse_amount(request.POST.get("amount", ""))
        event = refill(medication.pk, request.user, timezone.now(), amount)  # type: ignore[arg-type]
    except (StockError, RangeError) as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Refilled: %(stock)s in stock.") % {
            "stock": written_quantity(event.stock_after)})
    return redirect(acting_url("history", patient_id) + "#supply")


def parse_amount(value: str) -> Decimal | None:
    """How many were added, typed the reader's way ("12,5" or "12.5" in German); None when
    left empty (one pack)."""
    if not value.strip():
        return None
    try:
        return read_quantity(value)
    except ValueError:
        raise StockError(_("Write how many you added as a number, for example 30.")) from None
