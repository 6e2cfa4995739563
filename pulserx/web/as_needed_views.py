""""Took a dose" for as-needed medications: the Today card and the confirmation when a dose
would break a limit. The rules are pulserx.reminders.as_needed's; this only speaks HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from pulserx.accounts.models import CareRole, Patient
from pulserx.reminders.actions import DoseActionError
from pulserx.reminders.as_needed import LimitExceeded, clock_words, record_as_needed
from pulserx.reminders.clock import local_today, patient_zone
from pulserx.reminders.models import Dose, DoseStatus, Medication
from pulserx.reminders.schedule import Recurrence, to_utc
from pulserx.web.access import medication_in_care, signed_in_user
from pulserx.web.responses import redirect_back
from pulserx.web.time_fields import WallTimeField

RECENT = timedelta(hours=24)


@dataclass(frozen=True)
class AsNeededEntry:
    medication: Medication
    last_taken: str  # "" when none in the last day
    in_last_day: int
    limit_text: str


def as_needed_entries(patient: Patient, now: datetime) -> list[AsNeededEntry]:
    """The patient's as-needed medications for the Today card, with the last day's doses."""
    zone = patient_zone(patient)
    medications = Medication.objects.filter(
        patient=patient, paused=False, schedule__recurrence=Recurrence.AS_NEEDED
    ).select_related("schedule")
    entries = []
    for medication in medications:
        recent = list(Dose.objects.filter(schedule=medication.schedule, status=DoseStatus.TAKEN,
                                          due_at__gt=now - RECENT, due_at__lte=now)
                      .order_by("-due_at").values_list("due_at", flat=True))
        entries.append(AsNeededEntry(
            medication=medication, in_last_day=len(recent),
            last_taken=clock_words(recent[0], now, zone) if recent else "",
            limit_text=limit_text(medication)))
    return entries


def limit_text(medication: Medication) -> str:
    schedule = medication.schedule
    parts = []
    if schedule.max_doses:
        # Translators: a limit of an as-needed medication: "at most 4 in 24 h".
        parts.append(_("at most %(most)s in %(hours)s h") % {
            "most": schedule.max_doses, "hours": schedule.limit_period_hours})
    if schedule.min_gap_minutes:
        gap = schedule.min_gap_minutes
        if gap % 60:
            parts.append(_("at least %(hours)s h %(minutes)s min apart") % {
                "hours": gap // 60, "minutes": f"{gap % 60:02d}"})
        else:
            parts.append(_("at least %(hours)s h apart") % {"hours": gap // 60})
    if schedule.limit_group is not None:
        # Translators: %(name)s is the name the patient gave a limit shared by medications.
        parts.append(_("shared limit: %(name)s") % {"name": schedule.limit_group.name})
    return ", ".join(parts)


class TookDoseForm(forms.Form):
    day = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}),
                          error_messages={
                              "invalid": gettext_lazy("Enter a date like 2025-03-31.")})
    at = WallTimeField(required=False, label=gettext_lazy("At"))
    override = forms.BooleanField(required=False)

    def taken_at(self, patient: Patient, now: datetime) -> datetime:
        """The instant typed (local day and time on the patient's clock), or now."""
        if not self.cleaned_data["at"]:
            return now
        day = self.cleaned_data["day"] or local_today(patient, now)
        return to_utc(day, time.fromisoformat(self.cleaned_data["at"].zfill(5)),
                      patient_zone(patient))


@login_required
@require_POST
def took_dose(request: HttpRequest, medication_id: int) -> HttpResponse:
    medication = medication_in_care(request, medication_id, CareRole.GIVES)
    form = TookDoseForm(request.POST)
    patient = medication.patient
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values()
                                         for e in errors))
        return redirect_back(request, "today")
    now = timezone.now()
    taken_at = form.taken_at(patient, now)
    try:
        record_as_needed(medication.schedule, signed_in_user(request), taken_at,
                         override=form.cleaned_data["override"], now=now)
    except LimitExceeded as refused:
        return render(request, "web/as_needed_confirm.html", {
            "medication": medication, "explanation": refused.explanation,
            "day": form.cleaned_data["day"] or "", "at": form.cleaned_data["at"] or "",
        }, status=409)
    except DoseActionError as error:
        messages.error(request, str(error))
        return redirect_back(request, "today")
    at_words = clock_words(taken_at, now, patient_zone(patient))
    # Translators: %(time)s is a time ("14:30") or a day and time ("Tue 3 Mar 14:30").
    messages.success(request, _("Recorded a dose of %(medication)s at %(time)s.") % {
        "medication": medication.name, "time": at_words})
    return redirect_back(request, "today")
