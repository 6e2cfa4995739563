"""A PulseRx schedule out as FHIR R4 ``Dosage`` entries (the inverse of timing_in).

Each dose time becomes its own Dosage ("once a day at 08:00"), so times with different
amounts stay exact; concurrent Dosages are read back as one schedule. A tapering plan's
phases carry ``sequence`` numbers and ``boundsDuration``. What FHIR has no element for
(on/off cycles, waking windows, counting from the last dose taken) changes what the timing
means — a reader that ignored it would remind daily, or round the clock — so it travels as a
PulseRx ``modifierExtension`` on each Dosage: a reader that does not know it must not use the
Dosage. Wall times are on the patient's reminder clock, named by the core ``tz-code``
extension on ``boundsPeriod.start`` (R4 allows it on dates and dateTimes, not on times).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pulserx.fhir.timing_in import PULSERX_EXT, WEEKDAY_CODES
from pulserx.reminders.amounts import Measure

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


# A form's count as UCUM: a unit where UCUM has one (mL, [drp]), else an annotation of 1.
FORM_UNITS = {"tablet": ("tablet", "{tablet}"), "capsule": ("capsule", "{capsule}"),
              "liquid": ("mL", "mL"), "injection": ("injection", "{injection}"),
              "inhaler": ("puff", "{puff}"), "drops": ("drop", "[drp]"),
              "patch": ("patch", "{patch}"), "other": ("1", "1")}


def quantity(amount: Decimal, measure: Measure) -> Json:
    """An amount as a UCUM Quantity: in the measured unit, else in the product's count."""
    unit, code = ((measure.unit, measure.unit) if not measure.counts_product
                  else FORM_UNITS.get(measure.form, FORM_UNITS["other"]))
    return {"value": fhir_number(amount), "unit": unit, "system": UCUM, "code": code}


def dose_and_rate(amount: Decimal, measure: Measure) -> list[Json]:
    return [{"doseQuantity": quantity(amount, measure)}]


TZ_CODE = "http://hl7.org/fhir/StructureDefinition/tz-code"


def zone_extension(zone: str) -> Json:
    """The primitive extension naming a date's or dateTime's IANA zone."""
    return {"extension": [{"url": TZ_CODE, "valueCode": zone}]}


def schedule_dosages(schedule: Schedule, measure: Measure, zone: str) -> list[Json]:
    """The schedule as FHIR Dosage entries, its wall times on the clock `zone`."""
    match schedule.recurrence:
        case "as_needed":
            dosages = [_as_needed(schedule, measure)]
        case "every_hours":
            dosages = [_every_hours(schedule, measure)]
        case "taper":
            dosages = _taper(schedule, measure)
        case _:
            base = _days(schedule)
            dosages = [_time_dosage(entry, base, measure) for entry in schedule.times]
    modifiers = _modifiers(schedule)
    for dosage in dosages:
        if modifiers:
            dosage["modifierExtension"] = modifiers
        period = dosage.get("timing", {}).get("repeat", {}).get("boundsPeriod")
        if period is not None:
            period["_start"] = zone_extension(zone)
    return dosages


def _modifiers(schedule: Schedule) -> list[Json]:
    """What changes the meaning of the timing and R4 has no element for."""
    found = []
    if schedule.recurrence == "cycle":
        found.append({"url": PULSERX_EXT + "cycle",
                      "valueString": f"{schedule.days_on}/{schedule.days_off}"})
    if schedule.recurrence == "every_hours":
        if schedule.interval_from == "taken":
            found.append({"url": PULSERX_EXT + "interval-from", "valueString": "taken"})
        if schedule.window_start is not None and schedule.window_end is not None:
            found.append({"url": PULSERX_EXT + "waking-window", "valueString":
                          f"{schedule.window_start:%H:%M}-{schedule.window_end:%H:%M}"})
    return found


def _bounds(schedule: Schedule) -> Json:
    period: Json = {"start": schedule.start_date.isoformat()}
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
    return repeat


def _time_dosage(entry: Json, base: Json, measure: Measure) -> Json:
    repeat = dict(base)
    sign = (entry.get("offset", 0) > 0) - (entry.get("offset", 0) < 0)
    code = WHEN_FOR.get((entry.get("anchor", ""), sign))
    if code is not None:
        repeat["when"] = [code]
        if sign:  # tim-9: no offset on C/CM/CD/CV, and none needed when it is 0
            repeat["offset"] = abs(int(entry.get("offset", 0)))
    else:  # a fixed time, or an anchored one FHIR has no event code for
        repeat["timeOfDay"] = [f"{entry['at']}:00"]
    return {"timing": {"repeat": repeat},
            "doseAndRate": dose_and_rate(Decimal(str(entry["amount"])), measure)}


def _every_hours(schedule: Schedule, measure: Measure) -> Json:
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
    return {"timing": {"repeat": repeat},
            "doseAndRate": dose_and_rate(schedule.dose_amount, measure)}


def _taper(schedule: Schedule, measure: Measure) -> list[Json]:
    dosages = []
    for index, phase in enumerate(schedule.phases):
        is_last = index == len(schedule.phases) - 1
        base: Json = {"frequency": 1, "period": 1, "periodUnit": "d"}
        if not (is_last and schedule.continue_last_phase):
            base["boundsDuration"] = {"value": int(phase["days"]), "unit": "days",
                                      "system": UCUM, "code": "d"}
        for entry in phase["times"]:
            dosage = _time_dosage(entry, base, measure)
            dosages.append({"sequence": index + 1, **dosage})
    return dosages


def _as_needed(schedule: Schedule, measure: Measure) -> Json:
    dosage: Json = {"asNeededBoolean": True,
                    "doseAndRate": dose_and_rate(schedule.dose_amount, measure)}
    if schedule.min_gap_minutes:
        gap = schedule.min_gap_minutes
        period, unit = (gap // 60, "h") if gap % 60 == 0 else (gap, "min")
        dosage["timing"] = {"repeat": {"frequency": 1, "period": period, "periodUnit": unit}}
    if schedule.max_doses:
        dosage["maxDosePerPeriod"] = {
            "numerator": quantity(schedule.max_doses * schedule.dose_amount, measure),
            "denominator": {"value": schedule.limit_period_hours, "unit": "h",
                            "system": UCUM, "code": "h"}}
    return dosage
