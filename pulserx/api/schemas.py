"""The API's request and response shapes. Field rules here give 422s naming the field; the
schedule as a whole is checked by building a `Plan` (see endpoints)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import (
    AfterValidator,
    BeforeValidator,
    PlainSerializer,
    StrictBool,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from pulserx.api.models import TokenScope
from pulserx.plaintext import NAME_PATTERN, TEXT_PATTERN
from pulserx.reminders.actions import DoseActionError, snooze_minutes
from pulserx.reminders.amounts import amount_text
from pulserx.reminders.given import given_words, giver_name
from pulserx.reminders.models import (
    SNOOZE_CHOICES,
    Dose,
    DoseStatus,
    DoseUnit,
    IntervalFrom,
    Medication,
    MedicationForm,
    Schedule,
)
from pulserx.reminders.schedule import (
    FIRST_DATE,
    LAST_DATE,
    MAX_PERIOD_DAYS,
    MAX_TIMES_PER_DAY,
    Recurrence,
    TravelPolicy,
)
from pulserx.reminders.stock import stock_was_short

_HH_MM = r"^([01]\d|2[0-3]):[0-5]\d$"
_CENT = Decimal("0.01")
# The one rule for names and short text (pulserx/plaintext.py), as patterns, so the OpenAPI
# document says so too.
_TEXT = TEXT_PATTERN
_NAME = NAME_PATTERN


def _as_number(value: Decimal) -> int | float:
    """Quantities go out as JSON numbers (1, 0.5), not strings."""
    return int(value) if value == value.to_integral_value() else float(value)


_MOST = Decimal("999999.99")


def _quantity(least: Decimal) -> Any:
    """Parse a quantity in: a JSON number from `least` to 999999.99, rounded to cents."""

    def parse(value: object) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            raise ValueError("must be a number")
        exact = Decimal(str(value))
        if not exact.is_finite():
            raise ValueError("must be a finite number")
        # Range first: quantizing 1e308 to cents would overflow the decimal context.
        if not least - _CENT < exact < _MOST + _CENT:
            raise ValueError(f"must be from {least} to {_MOST}")
        amount = exact.quantize(_CENT, rounding=ROUND_HALF_UP)
        if not least <= amount <= _MOST:
            raise ValueError(f"must be from {least} to {_MOST}")
        return amount

    return parse


def _quantity_schema(least: Decimal) -> WithJsonSchema:
    return WithJsonSchema({"type": "number", "minimum": float(least),
                           "maximum": float(_MOST), "description": "Rounded to 2 decimals."})


def _whole(value: object) -> int:
    """A JSON Schema integer: 3 or 3.0, never true, "3" or 3.5."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("must be an integer")
    return value


# An integer as JSON Schema reads one.
Whole = Annotated[int, BeforeValidator(_whole)]


def _text_instant(value: object) -> object:
    """An instant is an ISO 8601 string (as its schema says), never a number of seconds."""
    if isinstance(value, int | float):
        raise ValueError("must be a date-time string, for example 2026-03-01T08:00:00Z")
    return value


def _bounded_instant(value: datetime) -> datetime:
    """Within the years schedules use, read as written (as the schema's pattern reads it),
    then in UTC (a database keeps no offset beyond ±15:59)."""
    if not FIRST_DATE <= value.date() <= LAST_DATE:
        raise ValueError(f"must fall within {FIRST_DATE}..{LAST_DATE}")
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Instant = Annotated[datetime, BeforeValidator(_text_instant), AfterValidator(_bounded_instant),
                    WithJsonSchema({"type": "string", "format": "date-time",
                                    "pattern": "^2[01][0-9][0-9]-",
                                    "description": f"{FIRST_DATE}..{LAST_DATE}, in UTC or "
                                                   "with an offset"})]
Amount = Annotated[Decimal, BeforeValidator(_quantity(_CENT)), _quantity_schema(_CENT)]
Stock = Annotated[Decimal, BeforeValidator(_quantity(Decimal(0))),
                  _quantity_schema(Decimal(0))]
# A day within the range schedules may use (the pattern says so to schema readers).
_DAY_SCHEMA = {"type": "string", "format": "date", "pattern": "^2[01][0-9][0-9]-",
               "description": f"{FIRST_DATE}..{LAST_DATE}"}
BoundedDate = Annotated[date, WithJsonSchema(_DAY_SCHEMA)]
# A quantity out: a JSON number.
Quantity = Annotated[Decimal, PlainSerializer(_as_number, return_type=float)]
# What a database id column can hold.
RowId = Annotated[int, Field(ge=1, le=2**63 - 1), BeforeValidator(_whole)]
DaysFrom1 = Annotated[int, Field(ge=1, le=MAX_PERIOD_DAYS), BeforeValidator(_whole)]
DaysFrom0 = Annotated[int, Field(ge=0, le=MAX_PERIOD_DAYS), BeforeValidator(_whole)]
# Integers with bounds, as JSON Schema reads them.
PhaseDays = Annotated[int, Field(ge=1, le=365), BeforeValidator(_whole)]
EveryMinutes = Annotated[int, Field(ge=15, le=7 * 24 * 60), BeforeValidator(_whole)]
DoseCount = Annotated[int, Field(ge=1, le=1000), BeforeValidator(_whole)]
MaxDoses = Annotated[int, Field(ge=1, le=100), BeforeValidator(_whole)]
PeriodHours = Annotated[int, Field(ge=1, le=168), BeforeValidator(_whole)]
GapMinutes = Annotated[int, Field(ge=15, le=72 * 60), BeforeValidator(_whole)]
LeadDays = Annotated[int, Field(ge=0, le=90), BeforeValidator(_whole)]
Weekday = Annotated[int, Field(ge=0, le=6, description="0 = Monday … 6 = Sunday"),
                    BeforeValidator(_whole)]


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
    name: str = Field(min_length=1, max_length=80, pattern=_NAME)
    expires_at: datetime | None = Field(
        default=None, description="When the token stops working (within a year); "
                                  "null: it never expires.")
    scope: TokenScope = Field(default=TokenScope.READ, description=(
        "read: only GET operations; read-write: everything a signed-in patient may do "
        "except making tokens."))


class TokenOut(Schema):
    id: int
    name: str
    hint: str = Field(description="The first characters of the token.")
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    scope: TokenScope


class TokenCreatedOut(TokenOut):
    token: str = Field(description="Shown only once: store it now.")


# --- medications and schedules


def _wall_time(value: Any) -> time:
    """A time of day on the patient's clock: HH:MM, never with a zone or offset."""
    if isinstance(value, str) and re.match(_HH_MM, value):
        return time.fromisoformat(value)
    if isinstance(value, time) and value.tzinfo is None:
        return value
    raise ValueError("must be a time of day as HH:MM (24-hour), for example 07:00")


WallTime = Annotated[time, BeforeValidator(_wall_time), WithJsonSchema({
    "type": "string", "pattern": _HH_MM, "examples": ["07:00"],
    "description": "Wall time of day, 24-hour HH:MM."})]


class DoseTime(Schema):
    at: Annotated[str, WithJsonSchema({
        "type": "string", "pattern": _HH_MM, "examples": ["08:00"],
        "description": "Wall time of day, 24-hour HH:MM."})]
    amount: Amount = Decimal(1)

    @field_validator("at")
    @classmethod
    def _hh_mm(cls, value: str) -> str:
        if not re.match(_HH_MM, value):
            raise ValueError("must be a time of day as HH:MM (24-hour), for example 08:00")
        return value


class PhaseIn(Schema):
    days: PhaseDays = Field(description="How many days the phase lasts.")
    times: list[DoseTime] = Field(min_length=1, description="Each time of day at most once.")


# What a partial update may set to null (clearing it); every other field it sends must have a
# value, and the OpenAPI document says so (no null in their schemas).
NULLABLE = frozenset({"stock", "refill_threshold", "pack_size", "end_date", "every_minutes",
                      "anchor_at", "window_start", "window_end", "dose_count", "max_doses",
                      "min_gap_minutes"})


def _null_only_where_allowed(schema: dict[str, Any]) -> None:
    """Drop `null` from the schemas of the fields that may not be cleared."""
    for name, field in schema.get("properties", {}).items():
        options = field.get("anyOf")
        if name in NULLABLE or name == "schedule" or not options:
            continue
        kept = [option for option in options if option.get("type") != "null"]
        if len(kept) == len(options):
            continue
        del field["anyOf"]
        field.pop("default", None)
        if len(kept) == 1:
            field.update(kept[0])
        else:
            field["anyOf"] = kept


class ScheduleFields(Schema, json_schema_extra=_null_only_where_allowed):
    """Every field optional: the base of a full schedule and of a partial update."""

    recurrence: Recurrence | None = None
    times: list[DoseTime] | None = Field(default=None, max_length=MAX_TIMES_PER_DAY,
                                         description="Each time of day at most once.")
    weekdays: list[Weekday] | None = None
    every_days: DaysFrom1 | None = Field(default=None, description="interval: every N days")
    days_on: DaysFrom0 | None = Field(default=None, description="cycle: days on")
    days_off: DaysFrom0 | None = Field(default=None, description="cycle: days off")
    start_date: BoundedDate | None = Field(
        default=None, description="Default: today; kept on edit. A new taper cannot start on "
                                  "a day whose first-phase times have already passed on the "
                                  "patient's clock (its first step would be short).")
    end_date: BoundedDate | None = Field(
        default=None, description="Last dose day, inclusive; not before start_date (which "
                                  "is today when not given).")
    every_minutes: EveryMinutes | None = Field(
        default=None, description="every_hours: minutes of elapsed time between doses "
                                  "(DST-immune)")
    anchor_at: Instant | None = Field(default=None, description="every_hours: first dose")
    window_start: WallTime | None = Field(default=None,
                                          description="every_hours: waking window")
    window_end: WallTime | None = Field(default=None, description="after window_start")
    interval_from: IntervalFrom | None = Field(
        default=None, description="every_hours: count from the scheduled time or from when "
                                  "the last dose was taken")
    dose_count: DoseCount | None = Field(default=None, description="every_hours: doses in all")
    dose_amount: Amount | None = Field(default=None,
                                       description="every_hours and as_needed: the amount")
    phases: list[PhaseIn] | None = Field(default=None, max_length=24,
                                         description="taper: the phases, in order")
    continue_last_phase: StrictBool | None = None
    max_doses: MaxDoses | None = Field(default=None, description="as_needed: at most this many…")
    limit_period_hours: PeriodHours | None = Field(default=None,
                                                   description="…in any this many hours")
    min_gap_minutes: GapMinutes | None = Field(
        default=None, description="as_needed: minimum gap between doses")


def _when(recurrence: Recurrence, then: dict[str, Any]) -> dict[str, Any]:
    return {"if": {"properties": {"recurrence": {"const": recurrence.value}},
                   "required": ["recurrence"]}, "then": then}


def _both(given: str, needed: str) -> dict[str, Any]:
    """A waking window has both ends or neither."""
    return {"if": {"properties": {given: {"type": "string"}}, "required": [given]},
            "then": {"properties": {needed: {"type": "string"}}, "required": [needed]}}


# What `Plan` requires of each recurrence, said in the schema (JSON Schema if/then).
_RECURRENCE_RULES = {"allOf": [
    {"if": {"properties": {"recurrence": {"const": Recurrence.AS_NEEDED.value}},
            "required": ["recurrence"]},
     "else": {"properties": {"times": {"minItems": 1}}, "required": ["times"]}},
    _when(Recurrence.WEEKDAYS, {"properties": {"weekdays": {"minItems": 1}},
                                "required": ["weekdays"]}),
    _when(Recurrence.CYCLE, {"properties": {"days_on": {"minimum": 1}},
                             "required": ["days_on"]}),
    _when(Recurrence.TAPER, {"properties": {"phases": {"minItems": 1}},
                             "required": ["phases"]}),
    _when(Recurrence.EVERY_HOURS, {
        "properties": {"anchor_at": {"type": "string"}, "every_minutes": {"type": "integer"}},
        "required": ["anchor_at", "every_minutes"]}),
    *(_both(first, second) for first, second in (("window_start", "window_end"),
                                                 ("window_end", "window_start"))),
]}


class ScheduleIn(ScheduleFields, json_schema_extra=_RECURRENCE_RULES):
    recurrence: Recurrence = Recurrence.DAILY
    times: list[DoseTime] = Field(default_factory=list, max_length=MAX_TIMES_PER_DAY)
    weekdays: list[Weekday] = Field(default_factory=list)
    every_days: DaysFrom1 = Field(default=1, description="interval: every N days")
    days_on: DaysFrom0 = Field(default=0, description="cycle: days on")
    days_off: DaysFrom0 = Field(default=0, description="cycle: days off")
    interval_from: IntervalFrom = IntervalFrom.SCHEDULED
    dose_amount: Amount = Decimal(1)
    phases: list[PhaseIn] = Field(default_factory=list, max_length=24)
    continue_last_phase: StrictBool = False
    limit_period_hours: PeriodHours = 24

    @model_validator(mode="after")
    def _window_has_both_ends(self) -> ScheduleIn:
        if (self.window_start is None) != (self.window_end is None):
            raise ValueError("give both ends of the waking window (window_start and "
                             "window_end), or neither")
        return self


class MedicationFields(Schema, json_schema_extra=_null_only_where_allowed):
    name: str | None = Field(default=None, min_length=1, max_length=120, pattern=_NAME)
    strength: str | None = Field(default=None, max_length=60, pattern=_TEXT)
    form: MedicationForm | None = None
    instructions: str | None = Field(default=None, max_length=240, pattern=_TEXT)
    stock: Stock | None = None
    refill_threshold: Stock | None = None
    pack_size: Amount | None = Field(default=None, description="What one refill adds.")
    refill_lead_days: LeadDays = Field(
        default=7, description="Remind this many days before the stock runs out.")

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

    name: str = Field(min_length=1, max_length=120, pattern=_NAME)
    strength: str = Field(default="", max_length=60, pattern=_TEXT)
    form: MedicationForm = MedicationForm.TABLET
    instructions: str = Field(default="", max_length=240, pattern=_TEXT)
    schedule: ScheduleIn


class DoseTimeOut(Schema):
    at: str
    amount: Quantity


class PhaseOut(Schema):
    days: int
    times: list[DoseTimeOut]


# A wall time out: HH:MM, as it is sent in.
WallTimeOut = Annotated[time, PlainSerializer(lambda value: value.strftime("%H:%M"),
                                              return_type=str),
                        WithJsonSchema({"type": "string", "pattern": _HH_MM})]


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
    every_minutes: int | None
    anchor_at: datetime | None
    window_start: WallTimeOut | None
    window_end: WallTimeOut | None
    interval_from: IntervalFrom
    dose_count: int | None
    dose_amount: Quantity
    phases: list[PhaseOut]
    continue_last_phase: bool
    max_doses: int | None
    limit_period_hours: int
    min_gap_minutes: int | None


class MedicationOut(Schema):
    id: int
    name: str
    strength: str
    form: MedicationForm
    dose_unit: DoseUnit = Field(description="The unit of every amount of the schedule and "
                                "its doses: \"\" counts the product in its form's unit "
                                "(tablets, ml of a liquid…), else a UCUM unit; stock counts "
                                "only doses in product units.")
    strength_value: Quantity | None = Field(description="One product unit's exact strength, "
                                            "when known (in strength_unit).")
    strength_unit: DoseUnit
    instructions: str
    stock: Quantity | None
    refill_threshold: Quantity | None
    pack_size: Quantity | None
    refill_lead_days: int
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
    amount_text: str = Field(description="The amount with its unit, as every page and "
                             "message words it: \"2 tablets\", \"10 mL\", \"75 micrograms\".")
    status: DoseStatus
    late: bool
    snoozed_until: datetime | None
    acted_at: datetime | None = Field(description="When it was recorded taken or skipped.")
    recorded_by: str | None = Field(
        default=None, description="Who recorded it: the patient or the carer who gave it "
        "(their first name, else their address); null when nobody did.")
    recorded_by_patient: bool | None = Field(
        default=None, description="true when the patient recorded it themself.")
    recorded_via: str | None = Field(
        default=None, description="How: page, api, email (a reminder's link), push, channel.")
    recorded_text: str = Field(
        default="", description="As the pages say it: \"Given by Ana at 08:05\".")

    @staticmethod
    def resolve_recorded_by(dose: Dose) -> str | None:
        return giver_name(dose.acted_by) if dose.acted_by_id else None

    @staticmethod
    def resolve_recorded_by_patient(dose: Dose) -> bool | None:
        return dose.acted_by_id == dose.patient.user_id if dose.acted_by_id else None

    @staticmethod
    def resolve_recorded_via(dose: Dose) -> str | None:
        return dose.recorded_via or None

    @staticmethod
    def resolve_recorded_text(dose: Dose) -> str:
        return given_words(dose)

    @staticmethod
    def resolve_amount_text(dose: Dose) -> str:
        return amount_text(dose.amount, dose.medication.measure if dose.medication else "")

    @staticmethod
    def resolve_medication_name(dose: Dose) -> str | None:
        return dose.medication.name if dose.medication is not None else None


class TakenOut(DoseOut):
    stock_was_empty: bool = Field(description="The stock had less than the dose: the dose is "
                                              "recorded, the stock stays at 0.")

    @staticmethod
    def resolve_stock_was_empty(dose: Dose) -> bool:
        return stock_was_short(dose)


class SnoozeIn(Schema):
    minutes: Whole = Field(json_schema_extra={"enum": list(SNOOZE_CHOICES)})

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


class MarkReadIn(Schema, json_schema_extra={"oneOf": [
        {"required": ["ids"], "properties": {"ids": {"type": "array"},
                                             "all": {"const": False}}},
        {"required": ["all"], "properties": {"all": {"const": True}, "ids": {"type": "null"}}},
]}):
    ids: list[RowId] | None = Field(default=None, max_length=1000,
                                    description="Mark these notifications read…")
    all: StrictBool = Field(default=False, description="…or every unread one.")

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
