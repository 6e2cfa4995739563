"""MedicationRequest examples as prescribers write them, with the schedule each must import
to (or the element it must be refused for). Each is itself valid FHIR R4B."""

from __future__ import annotations

from typing import Any

Json = dict[str, Any]


def request(dosages: list[Json], name: str = "Amoxicillin 500 mg capsule", **extra: Any
            ) -> Json:
    return {"resourceType": "MedicationRequest", "status": "active", "intent": "order",
            "subject": {"reference": "Patient/example"},
            "medicationCodeableConcept": {"text": name}, "dosageInstruction": dosages,
            **extra}


def dose(value: float, unit: str = "tablet") -> list[Json]:
    return [{"doseQuantity": {"value": value, "unit": unit}}]


def repeat(**fields: Any) -> Json:
    return {"repeat": fields}


DAYS = {"system": "http://unitsofmeasure.org", "code": "d", "unit": "days"}

IMPORTED: dict[str, tuple[Json, dict[str, Any]]] = {
    "bid": (request([{"text": "Twice a day", "timing": repeat(
        frequency=2, period=1, periodUnit="d", timeOfDay=["08:00:00", "20:00:00"]),
        "doseAndRate": dose(1)}]),
        {"recurrence": "daily", "ats": ["08:00", "20:00"]}),
    "tid_with_meals": (request([{"timing": repeat(frequency=3, period=1, periodUnit="d",
                                                  when=["C"]), "doseAndRate": dose(1)}]),
                       {"recurrence": "daily", "ats": ["07:30", "12:30", "18:30"],
                        "anchors": ["breakfast", "lunch", "dinner"]}),
    "tid_without_times": (request([{"timing": repeat(frequency=3, period=1, periodUnit="d")}]),
                          {"recurrence": "daily", "ats": ["07:30", "12:30", "18:30"]}),
    "q8h": (request([{"timing": repeat(frequency=1, period=8, periodUnit="h",
                                       timeOfDay=["06:00:00"]), "doseAndRate": dose(2)}]),
            {"recurrence": "every_hours", "every_minutes": 480, "dose_amount": "2"}),
    "q4_6h_prn_max_4": (request([{"asNeededBoolean": True, "timing": repeat(
        frequency=1, period=4, periodMax=6, periodUnit="h"), "doseAndRate": dose(1),
        "maxDosePerPeriod": {"numerator": {"value": 4}, "denominator": {
            "value": 24, "unit": "h", "system": "http://unitsofmeasure.org", "code": "h"}}}],
        name="Paracetamol 500 mg"),
        {"recurrence": "as_needed", "min_gap_minutes": 240, "max_doses": 4,
         "limit_period_hours": 24}),
    "prn_up_to_3_a_day": (request([{"asNeededBoolean": True, "timing": repeat(
        frequency=1, frequencyMax=3, period=1, periodUnit="d")}]),
        {"recurrence": "as_needed", "max_doses": 3, "limit_period_hours": 24}),
    "weekly_mon_thu": (request([{"timing": repeat(frequency=2, period=1, periodUnit="wk",
                                                  dayOfWeek=["mon", "thu"],
                                                  timeOfDay=["09:00:00"])}]),
                       {"recurrence": "weekdays", "weekdays": [0, 3], "ats": ["09:00"]}),
    "every_2_weeks": (request([{"timing": repeat(frequency=1, period=2, periodUnit="wk",
                                                 timeOfDay=["10:00:00"],
                                                 boundsPeriod={"start": "2026-03-26"})}]),
                      {"recurrence": "interval", "every_days": 14, "ats": ["10:00"],
                       "start_date": "2026-03-26"}),
    "seven_day_course": (request([{"timing": repeat(
        frequency=3, period=1, periodUnit="d", timeOfDay=["07:00:00", "15:00:00", "23:00:00"],
        boundsDuration={"value": 7, **DAYS})}]),
        {"recurrence": "daily", "start_date": "2026-03-25", "end_date": "2026-03-31"}),
    "ten_doses_total_q12h": (request([{"timing": repeat(frequency=1, period=12,
                                                        periodUnit="h", count=10,
                                                        timeOfDay=["08:00:00"])}]),
                             {"recurrence": "every_hours", "every_minutes": 720,
                              "dose_count": 10}),
    "ten_doses_bid": (request([{"timing": repeat(frequency=2, period=1, periodUnit="d",
                                                 count=10,
                                                 timeOfDay=["08:00:00", "20:00:00"])}]),
                      {"recurrence": "daily", "end_date": "2026-03-29"}),
    "four_step_taper": (request([
        {"sequence": n + 1, "text": f"{mg} mg daily",
         "timing": repeat(frequency=1, period=1, periodUnit="d", timeOfDay=["08:00:00"],
                          boundsDuration={"value": 5, **DAYS}),
         "doseAndRate": dose(mg // 10)} for n, mg in enumerate((40, 30, 20, 10))],
        name="Prednisolone 10 mg"),
        {"recurrence": "taper", "phases": 4, "continue_last_phase": False}),
    "bedtime": (request([{"timing": repeat(frequency=1, period=1, periodUnit="d",
                                           when=["HS"])}], name="Simvastatin 20 mg"),
                {"recurrence": "daily", "ats": ["22:30"], "anchors": ["bedtime"]}),
    "30_min_before_breakfast": (request([{"timing": repeat(
        frequency=1, period=1, periodUnit="d", when=["ACM"], offset=30)}],
        name="Levothyroxine 50 mcg"),
        {"recurrence": "daily", "ats": ["07:00"], "anchors": ["breakfast"], "offsets": [-30]}),
    "contained_medication": ({
        "resourceType": "MedicationRequest", "status": "active", "intent": "order",
        "subject": {"reference": "Patient/example"},
        "contained": [{"resourceType": "Medication", "id": "med",
                       "code": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                                            "code": "860975", "display": "Metformin"}]},
                       "form": {"text": "Tablet"},
                       "ingredient": [{"itemCodeableConcept": {"text": "Metformin"},
                                       "strength": {"numerator": {"value": 500, "unit": "mg"},
                                                    "denominator": {"value": 1}}}]}],
        "medicationReference": {"reference": "#med"},
        "dosageInstruction": [{"timing": repeat(frequency=1, period=1, periodUnit="d",
                                                when=["CV"])}]},
        {"recurrence": "daily", "ats": ["18:30"], "name": "Metformin", "strength": "500 mg"}),
    "every_other_day": (request([{"timing": repeat(frequency=1, period=2, periodUnit="d",
                                                   timeOfDay=["08:00:00"])}]),
                        {"recurrence": "interval", "every_days": 2}),
}

REFUSED: dict[str, tuple[Json, str]] = {
    "duration_max": (request([{"timing": repeat(frequency=1, period=1, periodUnit="d",
                                                durationMax=60, durationUnit="min")}]),
                     "Timing.repeat.durationMax is not supported"),
    "infusion_duration": (request([{"timing": repeat(frequency=1, period=1, periodUnit="d",
                                                     duration=30, durationUnit="min")}]),
                          "Timing.repeat.duration is not supported"),
    "dose_range": (request([{"asNeededBoolean": True, "timing": repeat(
        frequency=1, period=4, periodUnit="h"),
        "doseAndRate": [{"doseRange": {"low": {"value": 1}, "high": {"value": 2}}}]}]),
        "Dosage.doseAndRate.doseRange is not supported"),
    "monthly": (request([{"timing": repeat(frequency=1, period=1, periodUnit="mo")}]),
                "Timing.repeat.periodUnit 'mo' is not supported"),
    "morning_code": (request([{"timing": repeat(frequency=1, period=1, periodUnit="d",
                                                when=["MORN"])}]),
                     "Timing.repeat.when 'MORN' is not supported"),
    "events": (request([{"timing": {"event": ["2026-04-01T08:00:00Z"]}}]),
               "Dosage.timing.event is not supported"),
    "count_max": (request([{"timing": repeat(frequency=1, period=1, periodUnit="d",
                                             count=5, countMax=10)}]),
                  "Timing.repeat.countMax is not supported"),
    "fortnightly_weekdays": (request([{"timing": repeat(frequency=1, period=2, periodUnit="wk",
                                                        dayOfWeek=["mon"])}]),
                             "Timing.repeat.dayOfWeek with a period above 1 week is not "
                             "supported"),
    "scheduled_period_max": (request([{"timing": repeat(frequency=1, period=4, periodMax=6,
                                                        periodUnit="h")}]),
                             "Timing.repeat.periodMax is only supported as needed"),
}
