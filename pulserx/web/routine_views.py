"""Settings → Your day: when the patient wakes, eats and goes to bed. Times tied to these
("30 min before breakfast") move with them; the doses not yet reminded are re-planned."""

from __future__ import annotations

from datetime import time

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from pulserx.clock_format import page_time
from pulserx.reminders.anchors import DayAnchor
from pulserx.reminders.models import DayRoutine
from pulserx.reminders.routine import set_routine
from pulserx.web.access import own_patient
from pulserx.web.time_fields import WallTimeField

LABELS = {DayAnchor.WAKE: "I wake up at", DayAnchor.BREAKFAST: "Breakfast",
          DayAnchor.LUNCH: "Lunch", DayAnchor.DINNER: "Dinner",
          DayAnchor.BEDTIME: "I go to bed at"}


class RoutineForm(forms.Form):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for anchor, label in LABELS.items():
            self.fields[anchor.value] = WallTimeField(
                label=label, help_text="Like 07:30 or 7:30 am",
                error_messages={"required": "Give a time."})

    def moments(self) -> dict[str, time]:
        return {name: time.fromisoformat(value.zfill(5))
                for name, value in self.cleaned_data.items()}


@login_required
@require_http_methods(["GET", "POST"])
def day_routine(request: HttpRequest) -> HttpResponse:
    patient = own_patient(request)
    day = DayRoutine.day_of(patient)
    if request.method == "POST":
        form = RoutineForm(request.POST)
        if form.is_valid():
            try:
                set_routine(patient, **form.moments())
            except ValueError as error:
                form.add_error(None, f"{error}. Nothing was changed.")
            else:
                messages.success(request, "Your day is saved; times tied to it have moved.")
                return redirect("day_routine")
    else:
        form = RoutineForm(initial={a.value: page_time(day.at(a)) for a in DayAnchor})
    return render(request, "web/day_routine.html", {"form": form})
