"""Correcting a recorded dose and recording an upcoming one early, from Today and History.
The rules are pulserx.reminders.corrections'; this only speaks HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, time

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from pulserx.clock_format import page_time
from pulserx.reminders.actions import DoseActionError
from pulserx.reminders.clock import patient_zone
from pulserx.reminders.corrections import Correction, correct_dose, record_upcoming
from pulserx.reminders.models import RECORD_ACTIONS, Dose, Schedule
from pulserx.reminders.schedule import to_utc
from pulserx.web.access import own_patient, signed_in_user
from pulserx.web.dose_views import act_on_dose
from pulserx.web.medication_forms import parse_time
from pulserx.web.responses import redirect_back
from pulserx.web.time_fields import not_a_time

CORRECTED = {Correction.TAKEN: gettext_lazy("Corrected: taken at %(at)s."),
             Correction.SKIPPED: gettext_lazy("Corrected: skipped."),
             Correction.NOT_RECORDED: gettext_lazy("Corrected: not recorded.")}


def stated_time(dose: Dose, text: str) -> datetime | None:
    """"09:40" on the patient's clock, on the local day of the dose; None when empty.
    DoseActionError for a time that cannot be read."""
    if not text.strip():
        return None
    wall = parse_time(text)
    if wall is None:
        raise DoseActionError(not_a_time(text))
    zone = patient_zone(dose.patient)
    day = dose.local_day or dose.due_at.astimezone(zone).date()
    return to_utc(day, time.fromisoformat(wall), zone)


@login_required
@require_POST
def correct(request: HttpRequest, dose_id: int) -> HttpResponse:
    """Put a recording right: taken (at a stated time), skipped, or not recorded."""
    user = signed_in_user(request)
    try:
        to = Correction(request.POST.get("to", ""))
    except ValueError:
        return HttpResponse("to must be taken, skipped or not_recorded.", status=400)

    def do_correct(dose: Dose) -> Dose:
        return correct_dose(dose.pk, to, user,
                            taken_at=stated_time(dose, request.POST.get("taken_at", "")))

    def done(dose: Dose) -> str:
        zone = patient_zone(dose.patient)
        at = page_time(dose.acted_at, zone) if dose.acted_at else ""
        return str(CORRECTED[to]) % {"at": at} if to == Correction.TAKEN else str(CORRECTED[to])

    return act_on_dose(request, dose_id, do_correct, done)


@login_required
@require_POST
def record_early(request: HttpRequest, schedule_id: int, due: int, action: str) -> HttpResponse:
    """Take an upcoming dose early, or skip it ahead (`due`: its time, in Unix seconds)."""
    patient = own_patient(request)
    schedule = get_object_or_404(Schedule.objects.select_related("patient", "medication"),
                                 pk=schedule_id, patient=patient)
    status = RECORD_ACTIONS.get(action)
    if status is None:
        return HttpResponse("action must be take or skip.", status=400)
    try:
        due_at = datetime.fromtimestamp(due, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return HttpResponse("due must be a time in Unix seconds.", status=400)
    try:
        record_upcoming(schedule, due_at, status, signed_in_user(request))
    except DoseActionError as refused:
        messages.error(request, str(refused))
    else:
        values = {"medication": schedule.medication.name}
        if action == "take":
            text = _("Taken early: %(medication)s. Its reminder will not be sent.") % values
        else:
            text = _("Skipped ahead: %(medication)s. Its reminder will not be sent.") % values
        messages.success(request, text)
    return redirect_back(request, "today")
