"""Who recorded a dose and when, in the words every surface shows: "Given by Ana at 08:05".

The patient recording their own dose "took" or "skipped" it; anyone else (a carer, the owner
of an API token who is not the patient) "gave" or "skipped" it. An email link is the patient's
own. Times are on the patient's reminder clock, like every time a dose shows.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

from pulserx.accounts.models import User
from pulserx.clock_format import page_day_time, page_time
from pulserx.reminders.clock import patient_zone
from pulserx.reminders.models import Dose, DoseStatus


def giver_name(user: User | None) -> str:
    """A person as a carer knows them: first name, else full name, else address."""
    if user is None:
        return "someone no longer on the care team"
    return user.first_name or user.get_full_name() or user.email


def _verb(dose: Dose) -> str:
    if dose.status == DoseStatus.SKIPPED:
        return "skipped"
    if dose.status == DoseStatus.MISSED:
        return "marked missed"
    by_patient = dose.acted_by_id is not None and dose.acted_by_id == dose.patient.user_id
    return "taken" if by_patient else "given"


def _time_words(moment: datetime, zone: ZoneInfo, now: datetime) -> str:
    """On the reader's clock format, like every time a page shows."""
    local = moment.astimezone(zone)
    if local.date() == now.astimezone(zone).date():
        return page_time(local)
    return page_day_time(local)


def given_words(dose: Dose, now: datetime | None = None) -> str:
    """"Given by Ana at 08:05", "Taken by Maria at 07:58", "Skipped by Ana at 08:05"; ""
    for a dose nobody recorded (open, or missed by the dispatcher)."""
    if dose.acted_at is None or dose.status not in (DoseStatus.TAKEN, DoseStatus.SKIPPED):
        return ""
    when = _time_words(dose.acted_at, patient_zone(dose.patient), now or timezone.now())
    by = f" by {giver_name(dose.acted_by)}" if dose.acted_by_id or dose.recorded_via else ""
    return f"{_verb(dose).capitalize()}{by} at {when}"


def already_words(dose: Dose, now: datetime | None = None) -> str:
    """What someone who tries to record a dose recorded meanwhile is told."""
    words = given_words(dose, now)
    if not words:
        return f"This dose is already marked {dose.get_status_display().lower()}."
    return f"Already {words[0].lower()}{words[1:]}."
