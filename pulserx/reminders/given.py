"""Who recorded a dose and when, in the words every surface shows: "Given by Ana at 08:05".

The patient recording their own dose "took" or "skipped" it; anyone else (a carer, the owner
of an API token who is not the patient) "gave" or "skipped" it. An email link is the patient's
own. Times are on the patient's reminder clock, like every time a dose shows.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _

from pulserx.accounts.models import User
from pulserx.clock_format import page_day_time, page_time
from pulserx.reminders.clock import patient_zone
from pulserx.reminders.models import Dose, DoseStatus


def giver_name(user: User | None) -> str:
    """A person as a carer knows them: first name, else full name, else address."""
    if user is None:
        return _("someone no longer on the care team")
    return user.first_name or user.get_full_name() or user.email


def _verb(dose: Dose) -> str:
    """"skipped", "marked missed", "taken" (by the patient) or "given" (by someone else): a
    key, never shown (the sentences below are whole)."""
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


def _sentence(verb: str, name: str | None, when: str) -> str:
    """"Given by Ana at 08:05" (`name` None: nobody named, "Given at 08:05")."""
    words = {"name": name, "time": when}
    if verb == "taken":
        # Translators: who recorded a dose and when: %(name)s is a person's first name,
        # %(time)s a time ("08:05") or a day and time ("Mon 4 Jan 08:05").
        return (_("Taken by %(name)s at %(time)s") if name is not None
                else _("Taken at %(time)s")) % words
    if verb == "skipped":
        return (_("Skipped by %(name)s at %(time)s") if name is not None
                else _("Skipped at %(time)s")) % words
    # Translators: a carer gave the patient their dose ("Given by Ana at 08:05").
    return (_("Given by %(name)s at %(time)s") if name is not None
            else _("Given at %(time)s")) % words


def _already(verb: str, name: str | None, when: str) -> str:
    """"Already given by Ana at 08:05.": told to someone who tries to record a dose that was
    recorded meanwhile."""
    words = {"name": name, "time": when}
    if verb == "taken":
        return (_("Already taken by %(name)s at %(time)s.") if name is not None
                else _("Already taken at %(time)s.")) % words
    if verb == "skipped":
        return (_("Already skipped by %(name)s at %(time)s.") if name is not None
                else _("Already skipped at %(time)s.")) % words
    return (_("Already given by %(name)s at %(time)s.") if name is not None
            else _("Already given at %(time)s.")) % words


def _recorded(dose: Dose, now: datetime | None) -> tuple[str, str | None, str] | None:
    """(verb, who or None, when) of a recorded dose; None for a dose nobody recorded."""
    if dose.acted_at is None or dose.status not in (DoseStatus.TAKEN, DoseStatus.SKIPPED):
        return None
    when = _time_words(dose.acted_at, patient_zone(dose.patient), now or timezone.now())
    name = giver_name(dose.acted_by) if dose.acted_by_id or dose.recorded_via else None
    return _verb(dose), name, when


def given_words(dose: Dose, now: datetime | None = None) -> str:
    """"Given by Ana at 08:05", "Taken by Maria at 07:58", "Skipped by Ana at 08:05"; ""
    for a dose nobody recorded (open, or missed by the dispatcher)."""
    recorded = _recorded(dose, now)
    return _sentence(*recorded) if recorded is not None else ""


def already_words(dose: Dose, now: datetime | None = None) -> str:
    """What someone who tries to record a dose recorded meanwhile is told."""
    recorded = _recorded(dose, now)
    if recorded is None:
        # Translators: %(status)s is a dose's status in lower case: "missed", "open".
        return _("This dose is already marked %(status)s.") % {
            "status": dose.get_status_display().lower()}
    return _already(*recorded)
