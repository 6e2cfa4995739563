"""Settings → Your day: when the patient wakes, eats and goes to bed. Times tied to these
("30 min before breakfast") move with them; the doses not yet reminded are re-planned."""

from __future__ import annotations

from datetime import time

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from pulserx.clock_format import page_time
from pulserx.reminders.anchors import DayAnchor
from pulserx.reminders.models import DayRoutine
from pulserx.reminders.routine import set_routine
from pulserx.web.access import acting_patient, acting_url
from pulserx.web.time_fields import WallTimeField

LABELS = {DayAnchor.WAKE: gettext_lazy("I wake up at"),
          DayAnchor.BREAKFAST: gettext_lazy("Breakfast"),
          DayAnchor.LUNCH: gettext_lazy("Lunch"), DayAnchor.DINNER: gettext_lazy("Dinner"),
          DayAnchor.BEDTIME: gettext_lazy("I go to bed at")}


class RoutineForm(forms.Form):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for anchor, label in LABELS.items():
            self.fields[anchor.value] = WallTimeField(
                label=label, help_text=_("Like 07:30 or 7:30 am"),
                error_messages={"required": _("Give a time.")})

    def moments(self) -> dict[str, time]:
        return {name: time.fromisoformat(value.zfill(5))
                for name, value in self.cleaned_data.items()}


@login_required
@require_http_methods(["GET", "POST"])
def day_routine(request: HttpRequest, patient_id: int | None = None) -> HttpResponse:
    patient = acting_patient(request, patient_id)
    day = DayRoutine.day_of(patient)
    if request.method == "POST":
        form = RoutineForm(request.POST)
        if form.is_valid():
            try:
                set_routine(patient, **form.moments())
            except ValueError as error:
                # Translators: %(error)s says what went wrong (it has no full stop).
                form.add_error(None, _("%(error)s. Nothing was changed.") % {"error": error})
            else:
                messages.success(request, _("Your day is saved; times tied to it have moved."))
                return redirect(acting_url("day_routine", patient_id))
    else:
        form = RoutineForm(initial={a.value: page_time(day.at(a)) for a in DayAnchor})
    return render(request, "web/day_routine.html", {"form": form, "acting_for": patient_id})
