"""Medications, their schedules, and the doses the dispatcher works through.

A `Dose` row is the outbox: its `next_action_at` says when the dispatcher must next look at it
(first reminder, a re-alert, the missed-dose deadline) and `lease_until` fences a claim.
"""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal
from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from pulserx.accounts.models import Patient, User
from pulserx.reminders.amounts import Measure
from pulserx.reminders.anchors import PatientDay
from pulserx.reminders.intervals import IntervalPlan
from pulserx.reminders.limits import Limit
from pulserx.reminders.schedule import Plan, Recurrence
from pulserx.reminders.tapering import Phase, TaperPlan
from pulserx.reminders.timetable import (
    IntervalTimetable,
    TaperTimetable,
    Timetable,
    WallTimetable,
    wall_amounts,
)


class MedicationForm(models.TextChoices):
    TABLET = "tablet", pgettext_lazy("medication form", "Tablet")
    CAPSULE = "capsule", pgettext_lazy("medication form", "Capsule")
    LIQUID = "liquid", pgettext_lazy("medication form", "Liquid (mL)")
    INJECTION = "injection", pgettext_lazy("medication form", "Injection")
    INHALER = "inhaler", pgettext_lazy("medication form", "Inhaler puff")
    DROPS = "drops", pgettext_lazy("medication form", "Drops")
    PATCH = "patch", pgettext_lazy("medication form", "Patch")
    OTHER = "other", pgettext_lazy("medication form", "Other")


class DoseUnit(models.TextChoices):
    """The unit of a medication's dose amounts: the product's own count, or a measured UCUM
    unit when a prescribed amount could not be turned into whole product units."""

    PRODUCT = "", gettext_lazy("Product units (tablets, ml of a liquid…)")
    MICROGRAM = "ug", gettext_lazy("micrograms")
    MILLIGRAM = "mg", gettext_lazy("mg")
    GRAM = "g", gettext_lazy("g")
    MILLILITRE = "mL", gettext_lazy("mL")
    LITRE = "L", gettext_lazy("L")
    UNIT = "U", gettext_lazy("units")
    INTERNATIONAL_UNIT = "[iU]", gettext_lazy("international units")


MAX_MEDICATIONS_PER_PATIENT = 100


class MedicationLimitError(Exception):
    """The patient already has as many medications as one account may hold."""


def check_room_for_medication(patient: Patient, adding: int = 1) -> None:
    """Raise MedicationLimitError (with a message for people) if `patient` cannot add
    `adding` more medications: the cap keeps every page, feed and dispatcher pass bounded.
    Every way of adding medications asks first; `Medication.save` asks again."""
    held = Medication.objects.filter(patient=patient).count()
    if held + adding > MAX_MEDICATIONS_PER_PATIENT:
        raise MedicationLimitError(ngettext(
            "At most %(most)s medication per patient: delete one you no longer take first.",
            "At most %(most)s medications per patient: delete one you no longer take first.",
            MAX_MEDICATIONS_PER_PATIENT) % {"most": MAX_MEDICATIONS_PER_PATIENT})


class Medication(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="medications")
    name = models.CharField(max_length=120)
    strength = models.CharField(max_length=60, blank=True,
                                help_text=gettext_lazy("For example 500 mg"))
    form = models.CharField(max_length=16, choices=MedicationForm.choices,
                            default=MedicationForm.TABLET)
    instructions = models.CharField(max_length=240, blank=True,
                                    help_text=gettext_lazy("For example: with food"))
    stock = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True,
                                validators=[MinValueValidator(0)])
    refill_threshold = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True,
                                           validators=[MinValueValidator(0)])
    paused = models.BooleanField(default=False)
    # Every dose amount of the medication (schedule, doses) is in this unit; the stock only
    # counts doses in product units ("").
    dose_unit = models.CharField(max_length=8, choices=DoseUnit.choices, blank=True,
                                 default=DoseUnit.PRODUCT)
    # The exact strength of one product unit, when known ("2" "mg" per tablet).
    strength_value = models.DecimalField(max_digits=12, decimal_places=4, null=True,
                                         blank=True)
    strength_unit = models.CharField(max_length=8, choices=DoseUnit.choices, blank=True)
    pack_size = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True,
                                    validators=[MinValueValidator(Decimal("0.01"))],
                                    help_text="How much one refill adds, for example 30")
    refill_lead_days = models.PositiveSmallIntegerField(
        default=7, validators=[MaxValueValidator(90)],
        help_text="Remind this many days before the stock runs out")
    # Bumped by every refill or correction: each cycle gets its own refill reminders.
    refill_cycle = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return f"medication {self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._state.adding:
            check_room_for_medication(self.patient)
        super().save(*args, **kwargs)

    @property
    def measure(self) -> Measure:
        return Measure(self.form, self.dose_unit, self.strength_value, self.strength_unit)

    @property
    def counts_stock(self) -> bool:
        """Whether a taken dose comes off the stock: only a dose in product units can."""
        return self.stock is not None and self.dose_unit == DoseUnit.PRODUCT

    @property
    def needs_refill(self) -> bool:
        return (self.stock is not None and self.refill_threshold is not None
                and self.stock <= self.refill_threshold)


class DayRoutine(models.Model):
    """When the patient usually wakes, eats and goes to bed: what anchored times follow."""

    patient = models.OneToOneField(Patient, on_delete=models.CASCADE, related_name="routine")
    wake = models.TimeField(default=time(7, 0))
    breakfast = models.TimeField(default=time(7, 30))
    lunch = models.TimeField(default=time(12, 30))
    dinner = models.TimeField(default=time(18, 30))
    bedtime = models.TimeField(default=time(22, 30))

    def __str__(self) -> str:
        return f"routine {self.pk}"

    def as_day(self) -> PatientDay:
        return PatientDay(wake=self.wake, breakfast=self.breakfast, lunch=self.lunch,
                          dinner=self.dinner, bedtime=self.bedtime)

    @classmethod
    def day_of(cls, patient: Patient) -> PatientDay:
        """The patient's day, the defaults until they set theirs."""
        routine = cls.objects.filter(patient=patient).first()
        return routine.as_day() if routine else PatientDay()


class LimitGroup(models.Model):
    """A limit shared by several as-needed medications (two paracetamol products)."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="limit_groups")
    name = models.CharField(max_length=80)
    max_doses = models.PositiveIntegerField(null=True, blank=True)
    period_hours = models.PositiveIntegerField(default=24)
    min_gap_minutes = models.PositiveIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"limit group {self.pk}"

    def limit(self) -> Limit:
        return make_limit(self.max_doses, self.period_hours, self.min_gap_minutes)


def make_limit(max_doses: int | None, period_hours: int, min_gap_minutes: int | None) -> Limit:
    return Limit(max_doses=max_doses, period=timedelta(hours=period_hours),
                 min_gap=timedelta(minutes=min_gap_minutes) if min_gap_minutes else None)


class IntervalFrom(models.TextChoices):
    SCHEDULED = "scheduled", gettext_lazy("From the scheduled time")
    TAKEN = "taken", gettext_lazy("From when the last dose was taken")


class Schedule(models.Model):
    """When a medication is taken. `next_due_at` is the next dose not yet materialised."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="schedules")
    medication = models.OneToOneField(Medication, on_delete=models.CASCADE,
                                      related_name="schedule")
    recurrence = models.CharField(max_length=16, choices=[(r.value, r.name.replace("_", " ")
                                  .capitalize()) for r in Recurrence], default=Recurrence.DAILY)
    # [{"at": "08:00", "amount": "1"}, ...] in the patient's clock, sorted by time.
    times = models.JSONField(default=list, blank=True)
    weekdays = models.JSONField(default=list, blank=True)
    every_days = models.PositiveIntegerField(default=1)
    days_on = models.PositiveIntegerField(default=0)
    days_off = models.PositiveIntegerField(default=0)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    next_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Every N hours (recurrence "every_hours"), counted in elapsed time from `anchor_at`.
    every_minutes = models.PositiveIntegerField(null=True, blank=True)
    interval_from = models.CharField(max_length=12, choices=IntervalFrom.choices,
                                     default=IntervalFrom.SCHEDULED)
    anchor_at = models.DateTimeField(null=True, blank=True)
    window_start = models.TimeField(null=True, blank=True)
    window_end = models.TimeField(null=True, blank=True)
    dose_count = models.PositiveIntegerField(null=True, blank=True)
    # The amount of an every-N-hours or as-needed dose (wall-time plans keep theirs in times).
    dose_amount = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal(1))
    # A tapering plan (recurrence "taper"): [{"days": 5, "times": [{"at", "amount"}]}, ...].
    phases = models.JSONField(default=list, blank=True)
    continue_last_phase = models.BooleanField(default=False)
    # As-needed limits, on this medication alone and (optionally) shared with a group.
    max_doses = models.PositiveIntegerField(null=True, blank=True)
    limit_period_hours = models.PositiveIntegerField(default=24)
    min_gap_minutes = models.PositiveIntegerField(null=True, blank=True)
    limit_group = models.ForeignKey(LimitGroup, on_delete=models.SET_NULL, null=True,
                                    blank=True, related_name="schedules")
    alert_caregivers_on_override = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"schedule {self.pk}"

    @property
    def kind(self) -> Recurrence:
        return Recurrence(self.recurrence)

    def limit(self) -> Limit:
        return make_limit(self.max_doses, self.limit_period_hours, self.min_gap_minutes)

    def timetable(self) -> Timetable:
        """The schedule's doses as the pure schedule math sees them; raises ValueError
        for a stored schedule that does not make one."""
        match self.kind:
            case Recurrence.EVERY_HOURS:
                return IntervalTimetable(self.interval_plan(), self.dose_amount)
            case Recurrence.TAPER:
                return TaperTimetable(self.taper_plan())
            case _:
                plan = self.plan()
                return WallTimetable(plan, wall_amounts(plan.times, self.amounts_by_time()))

    def interval_plan(self) -> IntervalPlan:
        if self.anchor_at is None or not self.every_minutes:
            raise ValueError("an every-N-hours schedule needs a first dose and an interval")
        return IntervalPlan(anchor=self.anchor_at, every=timedelta(minutes=self.every_minutes),
                            window_start=self.window_start, window_end=self.window_end,
                            last_day=self.end_date, count=self.dose_count)

    def taper_plan(self) -> TaperPlan:
        phases = tuple(
            Phase(days=int(p["days"]),
                  times=tuple(time.fromisoformat(t["at"]) for t in p["times"]),
                  amounts=tuple(Decimal(str(t["amount"])) for t in p["times"]))
            for p in self.phases)
        return TaperPlan(start=self.start_date, phases=phases,
                         continue_last=self.continue_last_phase)

    def amounts_by_time(self) -> dict[time, Decimal]:
        return {time.fromisoformat(t["at"]): Decimal(str(t["amount"])) for t in self.times}

    def plan(self) -> Plan:
        return Plan(
            times=tuple(time.fromisoformat(t["at"]) for t in self.times),
            recurrence=Recurrence(self.recurrence),
            start=self.start_date,
            end=self.end_date,
            weekdays=frozenset(self.weekdays),
            every_days=self.every_days,
            days_on=self.days_on,
            days_off=self.days_off,
        )

    def amounts(self) -> dict[time, Decimal]:
        """The dose amount of each wall time of the plan."""
        return {time.fromisoformat(entry["at"]): Decimal(str(entry["amount"]))
                for entry in self.times}


class DoseStatus(models.TextChoices):
    SCHEDULED = "scheduled", pgettext_lazy("dose status", "Upcoming")
    NOTIFIED = "notified", pgettext_lazy("dose status", "Due")
    TAKEN = "taken", pgettext_lazy("dose status", "Taken")
    SKIPPED = "skipped", pgettext_lazy("dose status", "Skipped")
    MISSED = "missed", pgettext_lazy("dose status", "Missed")

    @property
    def can_record(self) -> bool:
        """This dose can still be recorded taken or skipped: it is open, or it was missed
        (a missed dose can be logged late)."""
        return self in (DoseStatus.SCHEDULED, DoseStatus.NOTIFIED, DoseStatus.MISSED)

    @property
    def is_recorded(self) -> bool:
        """Taken, skipped or missed: what adherence counts."""
        return self in RECORDED_STATUSES


OPEN_STATUSES = (DoseStatus.SCHEDULED, DoseStatus.NOTIFIED)
RECORDED_STATUSES = (DoseStatus.TAKEN, DoseStatus.SKIPPED, DoseStatus.MISSED)
# What a person can record of a dose, by the word every surface uses (page, API, email link,
# push button).
RECORD_ACTIONS = {"take": DoseStatus.TAKEN, "skip": DoseStatus.SKIPPED}
# How long a due dose can be snoozed for, in minutes.
SNOOZE_CHOICES = (10, 30, 60)


class RecordedVia(models.TextChoices):
    """How a dose's record reached PulseRx: with `Dose.acted_by`, who gave it and how."""

    PAGE = "page", "on the page"
    API = "api", "through the API"
    EMAIL = "email", "with an email link"
    PUSH = "push", "from a notification"
    CHANNEL = "channel", "from a message button"
    DISPATCHER = "dispatcher", "by PulseRx"


class Dose(models.Model):
    """One occurrence of a schedule; also the dispatcher's outbox row."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="doses")
    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, null=True, blank=True,
                                 related_name="doses")
    medication = models.ForeignKey(Medication, on_delete=models.CASCADE, null=True, blank=True,
                                   related_name="doses", help_text="Empty for a test reminder.")
    due_at = models.DateTimeField()
    # The slot this dose fills: a time of day of the plan on a local day of the reminder clock.
    # A slot is one dose whatever the zones do (empty for a test reminder).
    local_day = models.DateField(null=True, blank=True)
    wall_time = models.TimeField(null=True, blank=True)
    amount = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal(1))
    status = models.CharField(max_length=16, choices=DoseStatus.choices,
                              default=DoseStatus.SCHEDULED)
    next_action_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    alerts_sent = models.PositiveIntegerField(default=0)
    late = models.BooleanField(default=False)
    snoozed_until = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    # When a change of the reminder clock put this slot's time in the past: it is still that
    # day's dose, reminded from this moment on (docs/reminders.md, "A clock change").
    moved_at = models.DateTimeField(null=True, blank=True)
    acted_at = models.DateTimeField(null=True, blank=True)
    acted_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+")
    # How the record was made (empty: before this was kept, or never recorded).
    recorded_via = models.CharField(max_length=12, choices=RecordedVia.choices, blank=True)
    # An as-needed dose recorded although it broke a limit, and what it broke.
    limit_override = models.BooleanField(default=False)
    limit_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "due_at"], name="one_dose_per_time"),
            models.UniqueConstraint(fields=["schedule", "local_day", "wall_time"],
                                    name="one_dose_per_slot"),
        ]
        indexes = [
            models.Index(fields=["next_action_at"], name="dose_next_action",
                         condition=models.Q(next_action_at__isnull=False)),
            models.Index(fields=["patient", "due_at"], name="dose_patient_day"),
            models.Index(fields=["claim_token"], name="dose_claim",
                         condition=~models.Q(claim_token="")),
        ]

    def __str__(self) -> str:
        return f"dose {self.pk}"

    @property
    def is_test(self) -> bool:
        """A test reminder: proves delivery, never escalates, never counts in adherence."""
        return self.medication_id is None



class DoseCorrection(models.Model):
    """A recorded dose corrected: what it said before, what it says now, who changed it and
    when. The dose row holds the corrected record; these rows keep how it got there."""

    dose = models.ForeignKey(Dose, on_delete=models.CASCADE, related_name="corrections")
    from_status = models.CharField(max_length=16, choices=DoseStatus.choices)
    from_acted_at = models.DateTimeField(null=True, blank=True)
    to_status = models.CharField(max_length=16, choices=DoseStatus.choices)
    to_acted_at = models.DateTimeField(null=True, blank=True)
    by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                           related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"dose correction {self.pk}"


class TzDatabaseSeen(models.Model):
    """The tz database release the doses were last planned with (one row). When a process
    starts with another release, undelivered doses are planned again."""

    version = models.CharField(max_length=16)
    planned_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"tz database {self.version}"


class StockEventKind(models.TextChoices):
    TAKEN = "taken", gettext_lazy("Dose taken")
    REFILLED = "refilled", gettext_lazy("Refilled")
    CORRECTED = "corrected", gettext_lazy("Count corrected")


class StockEvent(models.Model):
    """One change of a medication's stock, so the count can always be explained."""

    medication = models.ForeignKey(Medication, on_delete=models.CASCADE,
                                   related_name="stock_events")
    kind = models.CharField(max_length=12, choices=StockEventKind.choices)
    change = models.DecimalField(max_digits=9, decimal_places=2)  # signed; what really changed
    stock_after = models.DecimalField(max_digits=8, decimal_places=2)
    # A dose taken with too little left: the dose counts, the stock stops at 0.
    was_short = models.BooleanField(default=False)
    dose = models.ForeignKey(Dose, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+")
    at = models.DateTimeField()
    by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True,
                           related_name="+")

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["medication", "at"], name="stock_event_medication")]

    def __str__(self) -> str:
        return f"stock event {self.pk}"


class RefillStage(models.TextChoices):
    LEAD = "lead", gettext_lazy("Days before running out")
    THRESHOLD = "threshold", gettext_lazy("Refill threshold reached")


class RefillReminder(models.Model):
    """A refill reminder due at `next_action_at`: an outbox row like a Dose, claimed with
    the same lease. Unique per (medication, refill cycle, stage): one of each per cycle."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    medication = models.ForeignKey(Medication, on_delete=models.CASCADE,
                                   related_name="refill_reminders")
    cycle = models.PositiveIntegerField()
    stage = models.CharField(max_length=12, choices=RefillStage.choices)
    due_at = models.DateTimeField()
    runs_out_at = models.DateTimeField(null=True, blank=True)
    next_action_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["medication", "cycle", "stage"],
                                    name="one_refill_reminder_per_stage"),
        ]
        indexes = [
            models.Index(fields=["next_action_at"], name="refill_next_action",
                         condition=models.Q(next_action_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"refill reminder {self.pk}"
