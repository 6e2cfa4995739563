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


UCUM_SYSTEM = "http://unitsofmeasure.org"
DAYS = {"system": UCUM_SYSTEM, "code": "d", "unit": "days"}

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

IMPORTED |= {
    "on_hold_imports_paused": (request([{"timing": repeat(
        frequency=1, period=1, periodUnit="d", timeOfDay=["08:00:00"])}], status="on-hold"),
        {"recurrence": "daily", "paused": True}),
    "as_needed_for_a_reason_keeps_it": (request([{
        "asNeededCodeableConcept": {"text": "pain"},
        "additionalInstruction": [{"text": "Shake well"}],
        "timing": repeat(frequency=1, period=4, periodUnit="h")}]),
        {"recurrence": "as_needed", "min_gap_minutes": 240,
         "instructions": "Shake well; as needed for pain"}),
}

IMPORTED |= {
    "prn_up_to_4_times_a_day": (request([{"asNeededBoolean": True, "timing": repeat(
        frequency=4, period=1, periodUnit="d")}], name="Ibuprofen 200 mg"),
        {"recurrence": "as_needed", "max_doses": 4, "limit_period_hours": 24,
         "min_gap_minutes": None}),
    "prn_twice_in_8_hours_max_3_a_day": (request([{"asNeededBoolean": True, "timing": repeat(
        frequency=2, period=8, periodUnit="h")}], name="Ibuprofen 200 mg"),
        {"recurrence": "as_needed", "max_doses": 2, "limit_period_hours": 8,
         "min_gap_minutes": None}),
    "single_dose_at_a_time": (request([{"timing": repeat(
        count=1, timeOfDay=["18:00:00"], boundsPeriod={"start": "2026-03-25"})}],
        name="Azithromycin 500 mg"),
        {"recurrence": "daily", "ats": ["18:00"], "start_date": "2026-03-25",
         "end_date": "2026-03-25"}),
    "taper_ending_by_count": (request([
        {"sequence": 1, "timing": repeat(frequency=1, period=1, periodUnit="d",
                                         timeOfDay=["08:00:00"], boundsDuration={
                                             "value": 3, **DAYS}), "doseAndRate": dose(2)},
        {"sequence": 2, "timing": repeat(frequency=1, period=1, periodUnit="d",
                                         timeOfDay=["08:00:00"], count=4),
         "doseAndRate": dose(1)}], name="Prednisolone 5 mg"),
        {"recurrence": "taper", "phases": 2, "continue_last_phase": False,
         "end_date": "2026-03-31"}),
    "taper_ending_by_date": (request([
        {"sequence": 1, "timing": repeat(frequency=1, period=1, periodUnit="d",
                                         timeOfDay=["08:00:00"], boundsPeriod={
                                             "start": "2026-03-25", "end": "2026-03-27"}),
         "doseAndRate": dose(2)},
        {"sequence": 2, "timing": repeat(frequency=1, period=1, periodUnit="d",
                                         timeOfDay=["08:00:00"], boundsPeriod={
                                             "start": "2026-03-28", "end": "2026-04-03"}),
         "doseAndRate": dose(1)}], name="Prednisolone 5 mg"),
        {"recurrence": "taper", "phases": 2, "continue_last_phase": False,
         "end_date": "2026-04-03"}),
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

DAILY_8 = repeat(frequency=1, period=1, periodUnit="d", timeOfDay=["08:00:00"])
UNKNOWN_MODIFIER = [{"url": "https://example.org/fhir/not-before-surgery", "valueBoolean": True}]

# Valid FHIR that PulseRx must refuse, because importing it would change what it means.
REFUSED_MEANING: dict[str, tuple[Json, str]] = {
    "do_not_perform": (request([{"timing": DAILY_8}], doNotPerform=True),
                       "MedicationRequest.doNotPerform is true"),
    "resource_modifier": (request([{"timing": DAILY_8}], modifierExtension=UNKNOWN_MODIFIER),
                          "MedicationRequest.modifierExtension (https://example.org/fhir/"
                          "not-before-surgery) is a modifier"),
    "dosage_modifier": (request([{"timing": DAILY_8,
                                  "modifierExtension": UNKNOWN_MODIFIER}]),
                        "MedicationRequest.dosageInstruction[0].modifierExtension"),
    "timing_modifier": (request([{"timing": {**DAILY_8,
                                             "modifierExtension": UNKNOWN_MODIFIER}}]),
                        "MedicationRequest.dosageInstruction[0].timing.modifierExtension"),
    "implicit_rules": (request([{"timing": DAILY_8}], implicitRules="https://example.org/r"),
                       "MedicationRequest.implicitRules"),
    "completed": (request([{"timing": DAILY_8}], status="completed"),
                  "MedicationRequest.status 'completed' cannot be imported: the course is over"),
    "stopped": (request([{"timing": DAILY_8}], status="stopped"),
                "MedicationRequest.status 'stopped' cannot be imported"),
    "draft": (request([{"timing": DAILY_8}], status="draft"),
              "MedicationRequest.status 'draft' cannot be imported"),
    "proposal": (request([{"timing": DAILY_8}], intent="proposal"),
                 "MedicationRequest.intent 'proposal' is a suggestion, not an order"),
    "filler_order": (request([{"timing": DAILY_8}], intent="filler-order"),
                     "MedicationRequest.intent 'filler-order' is the pharmacy's record"),
    "no_timing_not_as_needed": (request([{"text": "1 tablet", "doseAndRate": dose(1)}]),
                                "Dosage.timing is missing and the dosage is not as needed"),
    "max_per_period_in_mg_of_tablets": (request([{
        "asNeededBoolean": True, "timing": repeat(frequency=1, period=4, periodUnit="h"),
        "doseAndRate": dose(1, "tablet"), "maxDosePerPeriod": {
            "numerator": {"value": 4000, "unit": "mg", "system": UCUM_SYSTEM, "code": "mg"},
            "denominator": {"value": 24, "unit": "h", "system": UCUM_SYSTEM, "code": "h"}}}]),
        "Dosage.maxDosePerPeriod.numerator in 'mg' cannot be converted to the dose's unit"),
    "concurrent_different_days": (request([
        {"timing": DAILY_8},
        {"timing": repeat(frequency=1, period=1, periodUnit="wk", dayOfWeek=["mon"],
                          timeOfDay=["20:00:00"])}]),
        "Dosage entries with the same sequence (or none) run at the same time"),
    "phases_without_end": (request([
        {"sequence": 1, "timing": DAILY_8},
        {"sequence": 2, "timing": repeat(frequency=1, period=1, periodUnit="d",
                                         timeOfDay=["20:00:00"])}]),
        "Dosage.sequence 1 is followed by another phase but does not end"),
    "phases_with_a_gap": (request([
        {"sequence": 1, "timing": repeat(frequency=1, period=1, periodUnit="d",
                                         timeOfDay=["08:00:00"], boundsPeriod={
                                             "start": "2026-03-25", "end": "2026-03-29"})},
        {"sequence": 2, "timing": repeat(frequency=1, period=1, periodUnit="d",
                                         timeOfDay=["08:00:00"], boundsPeriod={
                                             "start": "2026-04-02"})}]),
        "Timing.repeat.boundsPeriod.start of phase 2 is 2026-04-02, not 2026-03-30"),
    "single_dose_without_a_time": (request([{"timing": repeat(count=1)}]),
                                   "Timing.repeat.count 1 without timeOfDay"),
    "course_over": (request([{"timing": repeat(frequency=1, period=1, periodUnit="d",
                                               timeOfDay=["08:00:00"], boundsPeriod={
                                                   "start": "2015-01-16",
                                                   "end": "2015-01-20"})}]),
                    "Dosage.timing gives no dose from now on (its last day is 2015-01-20)"),
    "dose_in_mg_per_m2": (request([{"timing": DAILY_8, "doseAndRate": [{"doseQuantity": {
        "value": 1000, "unit": "mg/m2", "system": UCUM_SYSTEM, "code": "mg/m2"}}]}]),
        "Dosage.doseAndRate.doseQuantity in 'mg/m2' is not a unit PulseRx can remind in"),
}

# Not even valid FHIR: refused naming the element, never with Python's own wording.
MALFORMED: dict[str, tuple[Json, str]] = {
    "negative_offset": (request([{"timing": repeat(frequency=1, period=1, periodUnit="d",
                                                   when=["ACM"], offset=-30)}]),
                        "Timing.repeat.offset must be 0 or more (got -30)"),
    "frequency_as_text": (request([{"timing": repeat(frequency="two", period=1,
                                                     periodUnit="d")}]),
                          'Timing.repeat.frequency must be a whole number (got "two")'),
    "fractional_frequency": (request([{"timing": repeat(frequency=1.5, period=1,
                                                        periodUnit="d")}]),
                             "Timing.repeat.frequency must be a whole number (got 1.5)"),
    "count_as_text": (request([{"timing": {"repeat": {**DAILY_8["repeat"], "count": "10"}}}]),
                      'Timing.repeat.count must be a whole number (got "10")'),
    "period_as_text": (request([{"timing": repeat(frequency=1, period="8", periodUnit="h")}]),
                       'Timing.repeat.period must be a number (got "8")'),
    "dose_as_boolean": (request([{"timing": DAILY_8, "doseAndRate": [
        {"doseQuantity": {"value": True}}]}]),
        "Dosage.doseAndRate.doseQuantity.value must be a number (got true)"),
    "do_not_perform_as_text": (request([{"timing": DAILY_8}], doNotPerform="yes"),
                               "MedicationRequest.doNotPerform must be true or false"),
    "as_needed_as_text": (request([{"timing": DAILY_8, "asNeededBoolean": "true"}]),
                          "Dosage.asNeededBoolean must be true or false"),
    "when_as_text": (request([{"timing": repeat(frequency=1, period=1, periodUnit="d",
                                                when="HS")}]),
                     "Timing.repeat.when must list event codes"),
}
