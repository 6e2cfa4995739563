"""Shapes of the patient's record in the API: history, streaks, supply, refills."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Schema

from pulserx.api.schemas import Amount, Quantity


class TallyOut(Schema):
    taken: int
    skipped: int
    missed: int
    pending: int = Field(description="Due but not recorded yet (open).")
    late: int = Field(description="Taken more than the on-time window after the due time.")
    percent: int | None = Field(description="taken / (taken + skipped + missed), rounded; "
                                            "null before anything is recorded.")


class DayOut(TallyOut):
    date: date
    fully_taken: bool


class StreaksOut(Schema):
    current: int = Field(description="Fully-taken days up to today (days without doses are "
                                     "neutral; today's open doses do not break it).")
    longest: int = Field(description="Over the last 365 days.")


class WindowOut(TallyOut):
    days: int


class MedicationHistoryOut(Schema):
    medication_id: int
    name: str
    windows: list[WindowOut]


class HistoryOut(Schema):
    patient_id: int
    timezone: str
    today: date
    on_time_window_minutes: int
    days: list[DayOut]
    streaks: StreaksOut
    punctuality: TallyOut = Field(description="Over the days listed.")
    medications: list[MedicationHistoryOut]


class ForecastOut(Schema):
    medication_id: int
    stock: Quantity | None
    refill_threshold: Quantity | None
    pack_size: Quantity | None
    lead_days: int
    runs_out_at: datetime | None = Field(description="The first dose the stock cannot cover; "
                                                     "null when it lasts beyond 366 days or "
                                                     "no stock is kept.")
    runs_out_on: date | None = Field(description="Its local day.")
    days_left: int | None
    remind_at: datetime | None = Field(description="When the lead refill reminder is due.")
    threshold_at: datetime | None
    summary: str


class RefillIn(Schema):
    amount: Amount | None = Field(default=None, description="How many were added; the pack size if "
                                               "omitted.")


class StockEventOut(Schema):
    id: int
    kind: str
    change: Quantity
    stock_after: Quantity
    was_short: bool = Field(description="A dose taken with too little stock left.")
    at: datetime
    dose_id: int | None
