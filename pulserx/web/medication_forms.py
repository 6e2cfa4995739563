"""The medication form: a medication and its schedule, edited and saved together.

Times of day are a list of rows, each a time and the amount taken then ("08:00", "1"). The
page shows one row per time as 24-hour text (validated here) and an "Add another time" button: a
person sees and edits each dose on its own line, which a free-text field ("08:00 x1, 20:00 x2")
would make them spell correctly instead. The rows arrive as repeated `time` / `amount` fields,
so the button works without JavaScript (it posts back for one more row) and with it (it clones
a row in place).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal
from typing import Any

from django import forms
from django.db import transaction
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from pulserx.accounts.models import Patient
from pulserx.clock_format import page_time
from pulserx.plaintext import validate_name, validate_text
from pulserx.reminders.amounts import quantity_text, read_quantity, written_quantity
from pulserx.reminders.anchors import DayAnchor
from pulserx.reminders.clock import patient_zone
from pulserx.reminders.medications import save_medication
from pulserx.reminders.models import (
    DayRoutine,
    Medication,
    MedicationLimitError,
    Schedule,
    check_room_for_medication,
)
from pulserx.reminders.schedule import (
    FIRST_DATE,
    LAST_DATE,
    MAX_PERIOD_DAYS,
    MAX_TIMES_PER_DAY,
    Recurrence,
)
from pulserx.web.kinds_form import KindsForm
from pulserx.web.quantity_field import QuantityField
from pulserx.web.schedule_words import anchored_words
from pulserx.web.time_fields import not_a_time, stored_time

MAX_TIMES = MAX_TIMES_PER_DAY
MAX_DAYS = MAX_PERIOD_DAYS
# Times are typed as text on either clock ("20:00", "0800", "8:00 PM", `wall_time.parse_time`):
# read as written, never reinterpreted the way a browser's time picker turns "2500" into 02:50.

RECURRENCE_CHOICES = [
    (Recurrence.DAILY.value, gettext_lazy("Every day")),
    (Recurrence.WEEKDAYS.value, gettext_lazy("On chosen days of the week")),
    (Recurrence.INTERVAL.value, gettext_lazy("Every few days")),
    (Recurrence.CYCLE.value, gettext_lazy("In a cycle: some days on, some days off")),
    (Recurrence.EVERY_HOURS.value, gettext_lazy("Every few hours")),
    (Recurrence.TAPER.value, gettext_lazy("A tapering plan: the dose changes in steps")),
    (Recurrence.AS_NEEDED.value, gettext_lazy("Only when needed (no reminders)")),
]
# The recurrences whose doses are the time rows of the form.
TIME_ROW_KINDS = (Recurrence.DAILY, Recurrence.WEEKDAYS, Recurrence.INTERVAL, Recurrence.CYCLE)
WEEKDAY_CHOICES = [(str(i), name) for i, name in enumerate([
    pgettext_lazy("abbreviated weekday", "Mon"), pgettext_lazy("abbreviated weekday", "Tue"),
    pgettext_lazy("abbreviated weekday", "Wed"), pgettext_lazy("abbreviated weekday", "Thu"),
    pgettext_lazy("abbreviated weekday", "Fri"), pgettext_lazy("abbreviated weekday", "Sat"),
    pgettext_lazy("abbreviated weekday", "Sun")])]


class MedicationForm(forms.ModelForm):
    class Meta:
        model = Medication
        fields = ["name", "strength", "form", "instructions", "stock", "refill_threshold",
                  "pack_size", "refill_lead_days"]
        field_classes = {"stock": QuantityField, "refill_threshold": QuantityField,
                         "pack_size": QuantityField}
        labels = {"stock": gettext_lazy("In stock"),
                  "refill_threshold": gettext_lazy("Remind me to refill at"),
                  "pack_size": gettext_lazy("Pack size"),
                  "refill_lead_days": gettext_lazy("Days of warning")}
        help_texts = {
            "stock": gettext_lazy("How many you have now; taking a dose counts it down. Leave "
                                  "empty to skip."),
            "refill_threshold": gettext_lazy("Remind me again when the stock falls to this "
                                             "number."),
            "pack_size": gettext_lazy("How many one refill adds (the Refilled button on "
                                      "History)."),
            "refill_lead_days": gettext_lazy("Remind me this many days before the stock runs "
                                             "out."),
        }
        error_messages = {
            "name": {"required": gettext_lazy("Give the medication a name.")},
            "stock": {"min_value": gettext_lazy("Stock cannot be negative.")},
            "refill_threshold": {"min_value": gettext_lazy("The refill level cannot be "
                                                           "negative.")},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["refill_lead_days"].required = False
        self.fields["name"].validators.append(validate_name)
        for name in ("strength", "instructions"):
            self.fields[name].validators.append(validate_text)

    def clean_refill_lead_days(self) -> int:
        """Left empty: the usual week of warning."""
        value = self.cleaned_data.get("refill_lead_days")
        if value is None:
            return int(Medication._meta.get_field("refill_lead_days").default)
        return int(value)


@dataclass(frozen=True)
class DayDose:
    """One dose of the day as the form would save it, and where the patient wrote it."""

    at: str
    amount: str
    source: str  # "Times of day", or the anchored words ("at bedtime")


@dataclass(frozen=True)
class DayDoses:
    """The day's doses when the patient gave both plain times and times tied to their day:
    the form shows them and saves only once the patient confirms this very list (`key`)."""

    doses: tuple[DayDose, ...]

    @classmethod
    def of(cls, plain: list[dict[str, str]], anchored: list[dict[str, Any]]) -> DayDoses:
        doses = [DayDose(t["at"], str(t["amount"]), _("Times of day")) for t in plain]
        doses += [DayDose(t["at"], str(t["amount"]),
                          anchored_words(DayAnchor(t["anchor"]), int(t["offset"])))
                  for t in anchored]
        return cls(tuple(sorted(doses, key=lambda dose: (dose.at, dose.source))))

    @property
    def key(self) -> str:
        return ",".join(f"{dose.at}x{dose.amount}" for dose in self.doses)

    def confirmed_by(self, data: QueryDict) -> bool:
        return data.get("confirm_times") == self.key


@dataclass
class TimeRow:
    """One "time + amount" line of the form, as typed, with its error if any."""

    at: str = ""
    amount: str = "1"
    error: str = ""

    @property
    def blank(self) -> bool:
        return not self.at.strip()


@dataclass
class TimeRows:
    rows: list[TimeRow] = field(default_factory=list)
    error: str = ""

    @classmethod
    def from_post(cls, data: QueryDict) -> TimeRows:
        ats, amounts = data.getlist("time"), data.getlist("amount")
        amounts += ["1"] * (len(ats) - len(amounts))
        return cls([TimeRow(at, amount) for at, amount in zip(ats, amounts, strict=False)])

    @classmethod
    def from_schedule(cls, schedule: Schedule | None) -> TimeRows:
        """The plain times of `schedule`; those tied to the patient's day are shown (and
        edited) under "Times tied to your day" only."""
        times = schedule.times if schedule is not None else []
        return cls([TimeRow(page_time(time.fromisoformat(t["at"])),
                            written_quantity(Decimal(str(t["amount"]))))
                    for t in times if "anchor" not in t])

    def with_blank_row(self) -> TimeRows:
        """The rows plus one empty line to type into."""
        return TimeRows([*self.rows, TimeRow()], self.error)

    def clean(self, required: bool) -> list[dict[str, str]] | None:
        """Return the times as stored ([{"at": "08:00", "amount": "1"}], sorted), or None
        after putting an error on each bad row (or on the list)."""
        entries: dict[str, str] = {}
        for row in self.rows:
            if row.blank:
                continue
            at, amount = parse_time(row.at), parse_amount(row.amount)
            if at is None:
                row.error = not_a_time(row.at)
            elif at in entries:
                row.error = _("%(time)s is already in the list.") % {
                    "time": page_time(time.fromisoformat(at))}
            elif amount is None:
                # Translators: %(example)s is a half written the reader's way ("0,5").
                row.error = _("Enter the amount taken, a number above 0 such as 1 or "
                              "%(example)s.") % {"example": written_quantity(Decimal("0.5"))}
            else:
                entries[at] = amount
        filled = len(entries) + sum(1 for row in self.rows if row.error)
        if required and not filled:
            self.error = _("Add at least one time of day.")
        elif filled > MAX_TIMES:
            self.error = ngettext("At most %(most)s time a day.", "At most %(most)s times a day.",
                                  MAX_TIMES) % {"most": MAX_TIMES}
        if self.error or any(row.error for row in self.rows):
            return None
        return [{"at": at, "amount": entries[at]} for at in sorted(entries)]


def parse_time(text: str) -> str | None:
    """"HH:MM" for a time typed on either clock ("8:00 PM", "20:00", "0800"), else None."""
    return stored_time(text)


def parse_amount(text: str) -> str | None:
    """The amount of a time row as stored ("0.5"), typed the reader's way ("0,5" or "0.5";
    empty: 1), or None."""
    try:
        amount = read_quantity(text) if text.strip() else Decimal(1)
    except ValueError:
        return None
    if amount <= 0 or amount >= 10000 or amount != round(amount, 2):
        return None
    return quantity_text(amount)


class ScheduleForm(forms.Form):
    """When the medication is taken. Fields that do not apply to the chosen recurrence are
    ignored (the page hides them), so a stale value there never blocks saving."""

    recurrence = forms.ChoiceField(choices=RECURRENCE_CHOICES, widget=forms.RadioSelect,
                                   initial=Recurrence.DAILY.value,
                                   label=gettext_lazy("How often"))
    weekdays = forms.MultipleChoiceField(choices=WEEKDAY_CHOICES, required=False,
                                         widget=forms.CheckboxSelectMultiple,
                                         # Translators: "On [Mon] [Tue]…", chosen weekdays.
                                         label=pgettext_lazy("weekdays", "On"))
    every_days = forms.IntegerField(required=False, initial=2, label=gettext_lazy("Every"),
                                    widget=forms.NumberInput(attrs={"min": 1, "max": MAX_DAYS}))
    days_on = forms.IntegerField(required=False, initial=21, label=gettext_lazy("Days on"),
                                 widget=forms.NumberInput(attrs={"min": 1, "max": MAX_DAYS}))
    days_off = forms.IntegerField(required=False, initial=7, label=gettext_lazy("Days off"),
                                  widget=forms.NumberInput(attrs={"min": 0, "max": MAX_DAYS}))
    start_date = forms.DateField(label=gettext_lazy("Starting"),
                                 widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                 error_messages={
                                     "required": gettext_lazy("Choose the first day."),
                                     "invalid": gettext_lazy("Enter a date like 2025-03-31.")})
    end_date = forms.DateField(required=False, label=gettext_lazy("Until"),
                               widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                               error_messages={
                                   "invalid": gettext_lazy("Enter a date like 2025-03-31.")})

    def __init__(self, *args: Any, times: TimeRows, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.times = times
        self.cleaned_times: list[dict[str, str]] = []

    @classmethod
    def for_schedule(cls, schedule: Schedule | None, today: date) -> ScheduleForm:
        if schedule is None:
            # An empty row: nothing pre-filled may become a dose the patient did not choose.
            return cls(initial={"start_date": today}, times=TimeRows([TimeRow()]))
        initial = {
            "recurrence": schedule.recurrence, "weekdays": [str(d) for d in schedule.weekdays],
            "every_days": schedule.every_days, "days_on": schedule.days_on or 21,
            "days_off": schedule.days_off if schedule.days_on else 7,
            "start_date": schedule.start_date, "end_date": schedule.end_date,
        }
        times = TimeRows.from_schedule(schedule)  # "Add another time" adds a row when wanted
        return cls(initial=initial, times=times if times.rows else times.with_blank_row())

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        recurrence = data.get("recurrence")
        for name in ("start_date", "end_date"):
            day = data.get(name)
            if day is not None and not FIRST_DATE <= day <= LAST_DATE:
                self.add_error(name, _("Choose a day between %(first)s and %(last)s.") % {
                    "first": f"{FIRST_DATE:%Y-%m-%d}", "last": f"{LAST_DATE:%Y-%m-%d}"})
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The last day is before the first day."))
        if recurrence == Recurrence.WEEKDAYS and not data.get("weekdays") \
                and "weekdays" not in self.errors:
            self.add_error("weekdays", _("Choose at least one day of the week."))
        if recurrence == Recurrence.INTERVAL:
            self._check_days("every_days", 1, _("Repeat every 1 day or more."))
        if recurrence == Recurrence.CYCLE:
            self._check_days("days_on", 1, _("A cycle needs at least 1 day on."))
            self._check_days("days_off", 0, _("Days off cannot be negative."), default=0)
        uses_rows = recurrence in TIME_ROW_KINDS
        # Times tied to the patient's day (the kinds form) can stand in for the rows.
        anchored = bool(str(self.data.get("anchored", "")).strip())
        times = self.times.clean(required=uses_rows and not anchored) if uses_rows else []
        if times is None:
            # The rows carry their own messages; this one keeps the form invalid.
            self.add_error(None, _("Check the times of day."))
        else:
            self.cleaned_times = times
        return data

    def _check_days(self, name: str, least: int, message: str, default: int | None = None
                    ) -> None:
        if name in self.errors:
            return
        value = self.cleaned_data.get(name)
        if value is None and default is not None:
            self.cleaned_data[name] = value = default
        if value is None or value < least:
            self.add_error(name, message)
        elif value > MAX_DAYS:
            self.add_error(name, ngettext("At most %(most)s day.", "At most %(most)s days.",
                                          MAX_DAYS) % {"most": MAX_DAYS})

    def apply(self, schedule: Schedule) -> None:
        """Copy the cleaned values onto `schedule`, normalising what the recurrence ignores."""
        data = self.cleaned_data
        recurrence = Recurrence(data["recurrence"])
        schedule.recurrence = recurrence.value
        schedule.times = self.cleaned_times
        schedule.weekdays = (sorted(int(d) for d in data["weekdays"])
                             if recurrence == Recurrence.WEEKDAYS else [])
        schedule.every_days = data["every_days"] if recurrence == Recurrence.INTERVAL else 1
        is_cycle = recurrence == Recurrence.CYCLE
        schedule.days_on = data["days_on"] if is_cycle else 0
        schedule.days_off = data["days_off"] if is_cycle else 0
        schedule.start_date, schedule.end_date = data["start_date"], data["end_date"]


class MedicationEditor:
    """Both forms of the medication page, validated together and saved in one transaction."""

    def __init__(self, patient: Patient, medication: Medication | None, today: date,
                 data: QueryDict | None = None, add_row: bool = False) -> None:
        """Unbound for `data=None`; bound to `data` to validate it; with `add_row`, `data`
        shown again unvalidated with one more empty time row (the no-JavaScript button)."""
        self.patient = patient
        self.data = data
        self.day_doses: DayDoses | None = None  # set when both kinds of time await a yes
        self.medication = medication or Medication(patient=patient)
        schedule = getattr(medication, "schedule", None) if medication else None
        self.schedule = schedule or Schedule(patient=patient, medication=self.medication)
        zone, day = patient_zone(patient), DayRoutine.day_of(patient)
        kinds_initial = KindsForm.initial_for(schedule, zone)
        self.kinds_form = KindsForm(data if data is not None and not add_row else None,
                                    initial=kinds_initial if data is None else
                                    _initial(data, KindsForm), day=day, zone=zone)
        if data is None:
            self.medication_form = MedicationForm(instance=self.medication)
            self.schedule_form = ScheduleForm.for_schedule(schedule, today)
        elif add_row:
            self.medication_form = MedicationForm(initial=_initial(data, MedicationForm),
                                                  instance=self.medication)
            self.schedule_form = ScheduleForm(
                initial=_initial(data, ScheduleForm),
                times=TimeRows.from_post(data).with_blank_row())
        else:
            self.medication_form = MedicationForm(data, instance=self.medication)
            self.schedule_form = ScheduleForm(data, times=TimeRows.from_post(data))

    def is_valid(self) -> bool:
        medication_ok = self.medication_form.is_valid()
        if medication_ok and self.medication.pk is None:
            try:
                check_room_for_medication(self.patient)
            except MedicationLimitError as full:
                self.medication_form.add_error(None, str(full))
                medication_ok = False
        schedule_ok = self.schedule_form.is_valid()
        kinds_ok = self.kinds_form.is_valid()
        if schedule_ok and kinds_ok:
            data = self.schedule_form.cleaned_data
            self.kinds_form.check(Recurrence(data["recurrence"]), data.get("start_date"),
                                  new=self.medication.pk is None)
            kinds_ok = not self.kinds_form.errors
        if medication_ok and schedule_ok and kinds_ok:
            return self._apply()
        return False

    def _apply(self) -> bool:
        self.schedule_form.apply(self.schedule)
        recurrence = Recurrence(self.schedule.recurrence)
        self.kinds_form.apply(self.schedule, recurrence, self.schedule.start_date)
        if recurrence in TIME_ROW_KINDS:
            if not self._both_kinds_confirmed():
                return False
            self.schedule.times = sorted([*self.schedule.times, *self.kinds_form.anchored_times],
                                         key=lambda entry: entry["at"])
        try:
            self.schedule.timetable()
        except ValueError:  # a rule of the schedule module the form did not foresee
            self.schedule_form.add_error(None, _("These dates and times do not make a "
                                                 "schedule (is a time listed twice?). Check "
                                                 "them and try again."))
            return False
        return True

    def _both_kinds_confirmed(self) -> bool:
        """Plain times and times tied to the day together are saved only once the patient
        has seen the day's doses they make and said yes to that list."""
        plain, anchored = self.schedule.times, self.kinds_form.anchored_times
        if not plain or not anchored:
            return True
        day_doses = DayDoses.of(plain, anchored)
        if self.data is not None and day_doses.confirmed_by(self.data):
            return True
        self.day_doses = day_doses
        return False

    @transaction.atomic
    def save(self) -> Medication:
        medication = self.medication_form.save(commit=False)
        medication.patient = self.patient
        self.kinds_form.save_group(self.schedule)  # a new shared limit, in the same transaction
        return save_medication(medication, self.schedule)


def _initial(data: QueryDict, form_class: type[forms.Form | forms.ModelForm]) -> dict[str, Any]:
    return {name: data.getlist(name) if name == "weekdays" else data.get(name)
            for name in form_class.base_fields if name in data}
