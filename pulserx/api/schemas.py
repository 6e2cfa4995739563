"""The API's request and response shapes. Field rules here give 422s naming the field; the
schedule as a whole is checked by building a `Plan` (see endpoints)."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal
from typing import Annotated

from ninja import Field, Schema
from pydantic import PlainSerializer, field_validator, model_validator

from pulserx.reminders.actions import DoseActionError, snooze_minutes
from pulserx.reminders.models import (
    SNOOZE_CHOICES,
    Dose,
    DoseStatus,
    Medication,
    MedicationForm,
    Schedule,
)
from pulserx.reminders.schedule import Recurrence, TravelPolicy

_HH_MM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _as_number(value: Decimal) -> int | float:
    """Quantities go out as JSON numbers (1, 0.5), not strings."""
    return int(value) if value == value.to_integral_value() else float(value)


# A quantity in: a number or numeric string with at most 2 decimals (kept a Decimal).
Amount = Annotated[Decimal, Field(max_digits=8, decimal_places=2, gt=0)]
Stock = Annotated[Decimal, Field(max_digits=8, decimal_places=2, ge=0)]
# A quantity out: a JSON number.
Quantity = Annotated[Decimal, PlainSerializer(_as_number, return_type=float)]
Weekday = Annotated[int, Field(ge=0, le=6, description="0 = Monday … 6 = Sunday")]


class ErrorOut(Schema):
    detail: str


# --- the caller


class ProfileOut(Schema):
    id: int
    email: str
    name: str
    timezone: str = Field(description="Home IANA time zone.")
    current_timezone: str = Field(description="Where the patient is now ('' if unknown).")
    travel_policy: TravelPolicy
    clock_timezone: str = Field(description="The zone whose wall clock reminders follow now.")
    quiet_start: time | None
    quiet_end: time | None
    notify_email: bool
    notify_push: bool
    missed_after_minutes: int
    realert_every_minutes: int
    realert_limit: int
    calendar_url: str = Field(description="Private iCal feed; anyone with it can read it.")


class CalendarOut(Schema):
    calendar_url: str


class TokenIn(Schema):
    name: str = Field(min_length=1, max_length=80)


class TokenOut(Schema):
    id: int
    name: str
    hint: str = Field(description="The first characters of the token.")
    created_at: datetime
    last_used_at: datetime | None


class TokenCreatedOut(TokenOut):
    token: str = Field(description="Shown only once: store it now.")


# --- medications and schedules


class DoseTime(Schema):
    at: str = Field(description="Wall time of day, 24-hour HH:MM.", examples=["08:00"])
    amount: Amount = Decimal(1)

    @field_validator("at")
    @classmethod
    def _hh_mm(cls, value: str) -> str:
        if not _HH_MM.match(value):
            raise ValueError("must be a time of day as HH:MM (24-hour), for example 08:00")
        return value


class ScheduleFields(Schema):
    """Every field optional: the base of a full schedule and of a partial update."""

    recurrence: Recurrence | None = None
    times: list[DoseTime] | None = None
    weekdays: list[Weekday] | None = None
    every_days: int | None = Field(default=None, ge=1, description="interval: every N days")
    days_on: int | None = Field(default=None, ge=0, description="cycle: days on")
    days_off: int | None = Field(default=None, ge=0, description="cycle: days off")
    start_date: date | None = Field(default=None, description="Default: today; kept on edit.")
    end_date: date | None = Field(default=None, description="Last dose day, inclusive.")


class ScheduleIn(ScheduleFields):
    recurrence: Recurrence = Recurrence.DAILY
    times: list[DoseTime] = Field(default_factory=list)
    weekdays: list[Weekday] = Field(default_factory=list)
    every_days: int = Field(default=1, ge=1, description="interval: every N days")
    days_on: int = Field(default=0, ge=0, description="cycle: days on")
    days_off: int = Field(default=0, ge=0, description="cycle: days off")


class MedicationFields(Schema):
    name: str | None = Field(default=None, min_length=1, max_length=120)
    strength: str | None = Field(default=None, max_length=60)
    form: MedicationForm | None = None
    instructions: str | None = Field(default=None, max_length=240)
    stock: Stock | None = None
    refill_threshold: Stock | None = None

    @field_validator("name", "strength", "instructions")
    @classmethod
    def _strip(cls, value: str | None) -> str | None:
        return value.strip() if value is not None else None

    @field_validator("name")
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value:
            raise ValueError("must not be blank")
        return value


class MedicationPatch(MedicationFields):
    """PATCH: only the fields sent change; `schedule` may itself be partial."""

    schedule: ScheduleFields | None = None


class MedicationIn(MedicationFields):
    """POST and PUT: the whole medication with its schedule."""

    name: str = Field(min_length=1, max_length=120)
    strength: str = Field(default="", max_length=60)
    form: MedicationForm = MedicationForm.TABLET
    instructions: str = Field(default="", max_length=240)
    schedule: ScheduleIn


class DoseTimeOut(Schema):
    at: str
    amount: Quantity


class ScheduleOut(Schema):
    recurrence: Recurrence
    times: list[DoseTimeOut]
    weekdays: list[int]
    every_days: int
    days_on: int
    days_off: int
    start_date: date
    end_date: date | None
    next_due_at: datetime | None


class MedicationOut(Schema):
    id: int
    name: str
    strength: str
    form: MedicationForm
    instructions: str
    stock: Quantity | None
    refill_threshold: Quantity | None
    needs_refill: bool
    paused: bool
    created_at: datetime
    schedule: ScheduleOut | None

    @staticmethod
    def resolve_schedule(medication: Medication) -> Schedule | None:
        return getattr(medication, "schedule", None)  # None when it was never given one


# --- doses


class DoseOut(Schema):
    id: int | None = Field(description="null for a dose planned but not prepared yet")
    schedule_id: int | None
    medication_id: int | None = Field(description="null for a test reminder")
    medication_name: str | None
    due_at: datetime
    amount: Quantity
    status: DoseStatus
    late: bool
    snoozed_until: datetime | None
    acted_at: datetime | None

    @staticmethod
    def resolve_medication_name(dose: Dose) -> str | None:
        return dose.medication.name if dose.medication is not None else None


class SnoozeIn(Schema):
    minutes: int = Field(json_schema_extra={"enum": list(SNOOZE_CHOICES)})

    @field_validator("minutes")
    @classmethod
    def _offered(cls, value: int) -> int:
        try:
            return snooze_minutes(value)
        except DoseActionError as refused:
            raise ValueError(str(refused)) from None


# --- the inbox


class NotificationOut(Schema):
    id: int
    type: str
    dose_id: int | None
    patient_id: int
    title: str
    body: str
    late: bool
    actionable: bool
    created_at: datetime
    read_at: datetime | None


class MarkReadIn(Schema):
    ids: list[int] | None = Field(default=None, description="Mark these notifications read…")
    all: bool = Field(default=False, description="…or every unread one.")

    @model_validator(mode="after")
    def _one_choice(self) -> MarkReadIn:
        if (self.ids is None) == (not self.all):
            raise ValueError("send either ids or all=true")
        return self


class MarkedOut(Schema):
    marked: int


# --- adherence


class Tally(Schema):
    taken: int = 0
    skipped: int = 0
    missed: int = 0
    rate: float | None = Field(default=None, description="taken / (taken + skipped + missed)")


class MedicationTally(Tally):
    medication_id: int
    name: str


class AdherenceOut(Tally):
    days: int
    since: datetime = Field(description="Doses due after this instant, up to now, count.")
    pending: int = Field(description="Doses due in the window that are still open.")
    medications: list[MedicationTally]
