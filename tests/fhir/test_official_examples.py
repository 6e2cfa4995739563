"""Every official HL7 FHIR R4 example MedicationRequest and MedicationStatement (copied
unchanged from the R4 examples package, see data/hl7-r4-examples/PROVENANCE.md) is either
refused with a message naming the element, or imported as exactly what its dosage means.

The table below is the expected result of each, written so a clinician can check it:
what PulseRx will remind (in the words the app shows), the amount with its unit, the status
and the last day. The patient lives in Berlin with the default day (breakfast 07:30, lunch
12:30, dinner 18:30, bedtime 22:30); today is 25 March 2026.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine

from pulserx.accounts.models import Patient
from pulserx.fhir.importing import import_document
from pulserx.fhir.timing_in import Unsupported
from pulserx.reminders.models import Medication
from pulserx.web.templatetags.pulserx_web import dose_amount, plan_summary
from tests.conftest import make_patient

DATA = Path(__file__).parent / "data" / "hl7-r4-examples"
TODAY = datetime(2026, 3, 25, 6, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Refused:
    element: str  # the message starts with it
    why: str  # and says this


@dataclass(frozen=True)
class Imported:
    reminds: str  # the schedule in the app's words
    amount: str  # one dose, with its unit
    status: str  # "active" or "paused"
    ends: str | None = None  # the last day, if any


COMPLETED = Refused("MedicationRequest.status", "'completed' cannot be imported: the course "
                    "is over")
FOUR_A_DAY = ("07:30, at breakfast (1), 12:30, at lunch (1), 18:30, at dinner (1), "
              "22:30, at bedtime (1)")

EXPECTED: dict[str, Refused | Imported] = {
    # "Take one tablet daily as directed": the medication is another resource, not sent.
    "MedicationRequest-medrx002": Refused("MedicationRequest.medicationReference",
                                          "must point to a contained Medication"),
    "MedicationRequest-medrx0301": COMPLETED,
    # "Two tablets at once", then "one tablet daily for 4 days": the first phase has no end.
    "MedicationRequest-medrx0302": Refused("Dosage.sequence", "1 is followed by another "
                                           "phase but does not end"),
    # Prednisone taper 16-20, 23-30 Jan, 31 Jan-6 Feb 2015: two days without a phase.
    "MedicationRequest-medrx0303": Refused("Timing.repeat.boundsPeriod.start",
                                           "of phase 2 is 2015-01-23, not 2015-01-21"),
    "MedicationRequest-medrx0304": COMPLETED,
    "MedicationRequest-medrx0305": COMPLETED,
    # Myleran 6 mg daily, of "2mg tablets" said only in the name: no structured strength, so
    # the dose stays 6 mg (never "6 tablets"), from the day it was written, no end.
    "MedicationRequest-medrx0306": Imported("07:30, at breakfast (6 mg) · every day", "6 mg",
                                            "active"),
    "MedicationRequest-medrx0307": COMPLETED,
    "MedicationRequest-medrx0308": COMPLETED,
    # Capecitabine 1000 mg/m2: depends on body surface area.
    "MedicationRequest-medrx0309": Refused("Dosage.doseAndRate.doseQuantity",
                                           "in 'mg/m2' is not a unit PulseRx can remind in"),
    # Tylenol PM "1-2 tablets at bedtime as needed".
    "MedicationRequest-medrx0310": Refused("Dosage.doseAndRate.doseRange", "is not supported"),
    # "One tablet daily" coded only as QD.
    "MedicationRequest-medrx0311": Refused("Timing.code", "without Timing.repeat"),
    # Phenytoin suspension 100 mg (4 mL) three times daily: the strength is only in the
    # name, so the dose stays 100 mg, three times over the patient's day.
    "MedicationRequest-medrx0312": Imported("07:30, at breakfast (100 mg), 12:30, at lunch "
                                            "(100 mg), 18:30, at dinner (100 mg) · every day",
                                            "100 mg", "active"),
    "MedicationRequest-medrx0313": COMPLETED,
    "MedicationRequest-medrx0314": COMPLETED,
    # An infusion rate range.
    "MedicationRequest-medrx0315": Refused("Dosage.doseAndRate.rateRange", "is not supported"),
    "MedicationRequest-medrx0316": COMPLETED,
    "MedicationRequest-medrx0317": COMPLETED,
    # Vancomycin 500 mg every 6 hours, counted from wake-up on the day it was written; the
    # text's "x 3 days" is not in the coded timing, which is followed (the text is kept).
    "MedicationRequest-medrx0318": Imported(
        "500 mg every 6 hours · from 15 Jan 07:00 · real elapsed time: the same hours apart "
        "on a clock-change night", "500 mg", "active"),
    "MedicationRequest-medrx0319": COMPLETED,
    "MedicationRequest-medrx0320": COMPLETED,
    # Novolog before breakfast and lunch (sequence 2) and dinner (sequence 1): numbered as
    # phases, but meant at the same time.
    "MedicationRequest-medrx0321": Refused("Dosage.sequence", "1 is followed by another phase "
                                           "but does not end"),
    "MedicationRequest-medrx0322": COMPLETED,
    "MedicationRequest-medrx0323": COMPLETED,
    "MedicationRequest-medrx0324": COMPLETED,
    # Nystatin ointment, on hold: "apply four times daily" over the patient's day.
    "MedicationRequest-medrx0325": Imported(f"{FOUR_A_DAY} · every day", "1", "paused"),
    # Proventil, on hold: "use two sprays twice daily", coded as a dose of 1; the coded dose
    # is followed and the text kept as the instruction.
    "MedicationRequest-medrx0326": Imported("07:30, at breakfast (1), 18:30, at dinner (1) · "
                                            "every day", "1", "paused"),
    # "Apply one patch three times per week" without the days.
    "MedicationRequest-medrx0327": Refused("Timing.repeat.frequency",
                                           "above 1 needs a period of 1 day"),
    # Mometasone nasal spray, "1 spray twice daily".
    "MedicationRequest-medrx0328": Imported("07:30, at breakfast (1), 18:30, at dinner (1) · "
                                            "every day", "1", "active"),
    # A contained Medication without a name.
    "MedicationRequest-medrx0329": Refused("Medication.code", "has no text or display"),
    # Timoptic, "one drop in each eye twice daily".
    "MedicationRequest-medrx0330": Imported("07:30, at breakfast (1 drop), 18:30, at dinner "
                                            "(1 drop) · every day", "1 drop", "active"),
    # Warfarin tablets, 7 mg once daily, tablet strength not given: 7 mg.
    "MedicationRequest-medrx0331": Imported("07:30, at breakfast (7 mg) · every day", "7 mg",
                                            "active"),
    # Ceftriaxone 500 mg "as a single dose" (count 1), at no time said.
    "MedicationRequest-medrx0332": Refused("Timing.repeat.count", "1 without timeOfDay or "
                                           "when: a single dose is reminded at the time"),
    # "1-2 tablets in the morning".
    "MedicationRequest-medrx0333": Refused("Dosage.doseAndRate.doseRange", "is not supported"),
    # On hold: "four times daily on Monday of each week".
    "MedicationRequest-medrx0334": Imported(f"{FOUR_A_DAY} · on Mon", "1", "paused"),
    # On hold: "apply at 9am daily".
    "MedicationRequest-medrx0335": Imported("09:00 (1) · every day", "1", "paused"),
    "MedicationRequest-medrx0336": COMPLETED,
    "MedicationRequest-medrx0337": COMPLETED,
    "MedicationRequest-medrx0338": COMPLETED,
    # Two products (suppository and cream) in one request; the cream's dose is not given.
    "MedicationRequest-medrx0339": Refused("Dosage.doseAndRate", "has an entry without "
                                           "doseQuantity"),
    # Tylenol PM: two ingredients (paracetamol 500 mg, diphenhydramine 25 mg).
    "MedicationStatement-example001": Refused("Medication.ingredient",
                                              "with more than one ingredient"),
    "MedicationStatement-example002": Refused("Medication.ingredient",
                                              "with more than one ingredient"),
    # "1 tablet per day" with no timing and not as needed.
    "MedicationStatement-example003": Refused("Dosage.timing", "is missing and the dosage is "
                                              "not as needed"),
    # Amoxicillin three times daily with a maximum of 3 a day on a scheduled dosage.
    "MedicationStatement-example004": Refused("Dosage.maxDosePerPeriod",
                                              "on a scheduled dosage is not supported"),
    "MedicationStatement-example005": Refused("MedicationStatement.status",
                                              "'entered-in-error' cannot be imported"),
    # "5ml three times daily" with no timing.
    "MedicationStatement-example006": Refused("Dosage.timing", "is missing and the dosage is "
                                              "not as needed"),
    # Mometasone with no dosage at all.
    "MedicationStatement-example007": Refused("MedicationStatement.dosage", "is required"),
}


@pytest.fixture(autouse=True)
def frozen() -> Any:
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def berliner(db: None) -> Patient:
    return make_patient("pat@example.org", tz="Europe/Berlin")


def test_the_examples_are_the_official_files_unchanged() -> None:
    sums = dict(reversed(line.split("  ")) for line in
                (DATA / "SHA256SUMS").read_text().splitlines())
    files = sorted(p.name for p in DATA.glob("*.json"))
    assert files == sorted(sums) and len(files) == 47
    for name in files:
        assert hashlib.sha256((DATA / name).read_bytes()).hexdigest() == sums[name], name


def test_the_table_covers_every_example() -> None:
    assert sorted(EXPECTED) == sorted(p.stem for p in DATA.glob("*.json"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_official_example(name: str, berliner: Patient) -> None:
    text = (DATA / f"{name}.json").read_text()
    expected = EXPECTED[name]
    if isinstance(expected, Refused):
        with pytest.raises(Unsupported) as refused:
            import_document(berliner, text)
        message = str(refused.value)
        assert message.startswith(expected.element) and expected.why in message, message
        assert not Medication.objects.exists()
        return
    (medication,) = import_document(berliner, text)
    schedule = medication.schedule
    assert plan_summary(schedule, medication) == expected.reminds
    first = schedule.times[0]["amount"] if schedule.times else schedule.dose_amount
    assert dose_amount(first, medication) == expected.amount
    assert ("paused" if medication.paused else "active") == expected.status
    assert (str(schedule.end_date) if schedule.end_date else None) == expected.ends
    dosage = json.loads(text).get("dosageInstruction") or json.loads(text)["dosage"]
    # The prescriber's words are kept (runs of spaces and line breaks read as one space).
    assert " ".join(dosage[0]["text"].split()) in medication.instructions
