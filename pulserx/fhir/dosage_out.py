"""A PulseRx schedule out as FHIR R4 ``Dosage`` entries (the inverse of timing_in).

Each dose time becomes its own Dosage ("once a day at 08:00"), so times with different
amounts stay exact; concurrent Dosages are read back as one schedule. A tapering plan's
phases carry ``sequence`` numbers and ``boundsDuration``. What FHIR has no element for
(on/off cycles, waking windows, counting from the last dose taken) travels in PulseRx
extensions on ``Timing.repeat``, which the import understands.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pulserx.fhir.timing_in import PULSERX_EXT, WEEKDAY_CODES

if TYPE_CHECKING:
    from pulserx.reminders.models import Schedule

Json = dict[str, Any]

UCUM = "http://unitsofmeasure.org"
# (anchor, sign of offset) -> FHIR event code; an offset is then the minutes away from it.
WHEN_FOR = {("wake", 0): "WAKE", ("wake", 1): "WAKE", ("bedtime", 0): "HS",
            ("bedtime", -1): "HS",
            ("breakfast", 0): "CM", ("lunch", 0): "CD", ("dinner", 0): "CV",
            ("breakfast", -1): "ACM", ("lunch", -1): "ACD", ("dinner", -1): "ACV",
            ("breakfast", 1): "PCM", ("lunch", 1): "PCD", ("dinner", 1): "PCV"}


def fhir_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def dose_and_rate(amount: Decimal, form: str) -> list[Json]:
    return [{"doseQuantity": {"value": fhir_number(amount), "unit": form}}]


def schedule_dosages(schedule: Schedule, form: str) -> list[Json]:
    """The schedule as FHIR Dosage entries."""
    match schedule.recurrence:
        case "as_needed":
            return [_as_needed(schedule, form)]
        case "every_hours":
            return [_every_hours(schedule, form)]
        case "taper":
            return _taper(schedule, form)
        case _:
            base = _days(schedule)
            return [_time_dosage(entry, base, form) for entry in schedule.times]


def _bounds(schedule: Schedule) -> Json:
    period = {"start": schedule.start_date.isoformat()}
    if schedule.end_date is not None:
        period["end"] = schedule.end_date.isoformat()
    return {"boundsPeriod": period}


def _days(schedule: Schedule) -> Json:
    """The day rule of a times-of-day schedule as Timing.repeat fields."""
    repeat: Json = {"frequency": 1, "period": 1, "periodUnit": "d", **_bounds(schedule)}
    match schedule.recurrence:
        case "weekdays":
            repeat["dayOfWeek"] = [WEEKDAY_CODES[d] for d in sorted(schedule.weekdays)]
        case "interval":
            repeat["period"] = schedule.every_days
        case "cycle":
            repeat["extension"] = [{"url": PULSERX_EXT + "cycle",
                                    "valueString": f"{schedule.days_on}/{schedule.days_off}"}]
    return repeat


def _time_dosage(entry: Json, base: Json, form: str) -> Json:
    repeat = dict(base)
    sign = (entry.get("offset", 0) > 0) - (entry.get("offset", 0) < 0)
    code = WHEN_FOR.get((entry.get("anchor", ""), sign))
    if code is not None:
        repeat.update(when=[code], offset=abs(int(entry.get("offset", 0))))
    else:  # a fixed time, or an anchored one FHIR has no event code for
        repeat["timeOfDay"] = [f"{entry['at']}:00"]
    return {"timing": {"repeat": repeat},
            "doseAndRate": dose_and_rate(Decimal(str(entry["amount"])), form)}


def _every_hours(schedule: Schedule, form: str) -> Json:
    assert schedule.anchor_at is not None and schedule.every_minutes is not None
    minutes = schedule.every_minutes
    period, unit = (minutes // 60, "h") if minutes % 60 == 0 else (minutes, "min")
    start = schedule.anchor_at.isoformat().replace("+00:00", "Z")
    repeat: Json = {"frequency": 1, "period": period, "periodUnit": unit,
                    "boundsPeriod": {"start": start}}
    if schedule.end_date is not None:
        repeat["boundsPeriod"]["end"] = schedule.end_date.isoformat()
    if schedule.dose_count:
        repeat["count"] = schedule.dose_count
    extensions = []
    if schedule.interval_from == "taken":
        extensions.append({"url": PULSERX_EXT + "interval-from", "valueString": "taken"})
    if schedule.window_start is not None and schedule.window_end is not None:
        extensions.append({"url": PULSERX_EXT + "waking-window", "valueString":
                           f"{schedule.window_start:%H:%M}-{schedule.window_end:%H:%M}"})
    if extensions:
        repeat["extension"] = extensions
    return {"timing": {"repeat": repeat},
            "doseAndRate": dose_and_rate(schedule.dose_amount, form)}


def _taper(schedule: Schedule, form: str) -> list[Json]:
    dosages = []
    for index, phase in enumerate(schedule.phases):
        is_last = index == len(schedule.phases) - 1
        base: Json = {"frequency": 1, "period": 1, "periodUnit": "d"}
        if not (is_last and schedule.continue_last_phase):
            base["boundsDuration"] = {"value": int(phase["days"]), "unit": "days",
                                      "system": UCUM, "code": "d"}
        for entry in phase["times"]:
            dosage = _time_dosage(entry, base, form)
            dosages.append({"sequence": index + 1, **dosage})
    return dosages


def _as_needed(schedule: Schedule, form: str) -> Json:
    dosage: Json = {"asNeededBoolean": True,
                    "doseAndRate": dose_and_rate(schedule.dose_amount, form)}
    if schedule.min_gap_minutes:
        gap = schedule.min_gap_minutes
        period, unit = (gap // 60, "h") if gap % 60 == 0 else (gap, "min")
        dosage["timing"] = {"repeat": {"frequency": 1, "period": period, "periodUnit": unit}}
    if schedule.max_doses:
        dosage["maxDosePerPeriod"] = {
            "numerator": {"value": fhir_number(schedule.max_doses * schedule.dose_amount)},
            "denominator": {"value": schedule.limit_period_hours, "unit": "h",
                            "system": UCUM, "code": "h"}}
    return dosage
