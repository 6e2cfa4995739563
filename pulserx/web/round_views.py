"""The carer's round: every dose due now and soon of everyone a carer gives to, on one page.

Grouped by person, in time order: the doses still open that are overdue (back to
`OVERDUE_REACH`), those recorded in the last `JUST_RECORDED`, and every dose due in the next
`ROUND_AHEAD`. Each dose that can be recorded
(`day.dose_state`) has Given / Skip buttons posting to the dose actions every page uses
(`dose_views.record` → `actions.record_dose`), so a second carer is told who gave it first in
the same words as everywhere. The list is a live region: any dose event of the people it
shows refreshes it (live.js). Read in a bounded number of queries, whatever the number of
people (`planning.doses_of_people`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from pulserx.accounts.access_log import hour_of
from pulserx.accounts.care import links_cared_for_by
from pulserx.accounts.models import AccessKind, AccessRecord, CareRole, Patient, User
from pulserx.reminders.clock import patient_zone, reader_zone
from pulserx.reminders.planning import doses_of_people
from pulserx.web.access import patient_label, signed_in_user
from pulserx.web.day import TimelineEntry, dose_state

# How far ahead the round looks, and how far back an overdue dose still open is listed.
ROUND_AHEAD = timedelta(hours=4)
OVERDUE_REACH = timedelta(hours=12)
# A dose recorded this recently stays on the round, saying who gave it and when: the other
# carers see it done rather than gone.
JUST_RECORDED = timedelta(minutes=30)


@dataclass(frozen=True)
class RoundPerson:
    """One person of the round: their doses on their own clock, named when it is not the
    carer's."""

    patient: Patient
    label: str
    zone: ZoneInfo
    zone_differs: bool
    entries: list[TimelineEntry]

    @property
    def zone_name(self) -> str:
        return self.zone.key.replace("_", " ")

    @property
    def first_due(self) -> datetime | None:
        return self.entries[0].due_at if self.entries else None


def people_given_to(user: User) -> list[Patient]:
    """The people `user` gives to (role gives or manages, link accepted), by name."""
    links = links_cared_for_by(user).select_related("patient__user")
    people = [link.patient for link in links if CareRole(link.role).allows(CareRole.GIVES)]
    return sorted(people, key=lambda patient: (patient_label(patient).lower(), patient.pk))


def on_the_round(entry: TimelineEntry, now: datetime) -> bool:
    """Due later in the window, due already and still recordable, or just recorded."""
    if entry.due_at > now:
        return True
    if entry.dose is None or entry.state is None:
        return False
    acted_at = entry.dose.acted_at
    return entry.state.can_record or (acted_at is not None and now - acted_at <= JUST_RECORDED)


def round_people(user: User, now: datetime) -> list[RoundPerson]:
    """Everyone `user` gives to with their doses of the round: people with doses first,
    the soonest first; then the others by name."""
    patients = people_given_to(user)
    doses = doses_of_people([patient.pk for patient in patients], now - OVERDUE_REACH,
                            now + ROUND_AHEAD)
    mine = reader_zone(user)
    people = []
    for patient in patients:
        entries = [TimelineEntry(due_at=d.due_at, medication=d.medication, amount=d.amount,
                                 dose=d if d.pk else None,
                                 state=dose_state(d, now) if d.pk else None,
                                 schedule_id=d.schedule_id)
                   for d in doses[patient.pk] if not d.is_test]
        zone = patient_zone(patient)
        people.append(RoundPerson(
            patient=patient, label=patient_label(patient), zone=zone,
            zone_differs=mine is None or mine.key != zone.key,
            entries=[entry for entry in entries if on_the_round(entry, now)]))
    soonest = [person for person in people if person.first_due is not None]
    soonest.sort(key=lambda person: person.first_due or now)
    return soonest + [person for person in people if person.first_due is None]


def note_reads(user: User, people: list[RoundPerson], now: datetime) -> None:
    """The round shows each person's day: it goes into their "who saw what" log, like
    their day's page (once an hour at most, in one statement for everyone)."""
    AccessRecord.objects.bulk_create(
        [AccessRecord(reader=user, subject=person.patient, kind=AccessKind.DAY,
                      hour=hour_of(now), first_read_at=now) for person in people],
        ignore_conflicts=True)


def round_context(request: HttpRequest) -> dict[str, Any]:
    user = signed_in_user(request)
    now = timezone.now()
    people = round_people(user, now)
    note_reads(user, people, now)
    return {"people": people, "round_url": reverse("round_list"), "next": reverse("round"),
            "hours_ahead": int(ROUND_AHEAD.total_seconds() // 3600),
            # A press answers with the dose's state as every page shows it (dose_views).
            "fragment": "state"}


@login_required
@require_GET
def round_page(request: HttpRequest) -> HttpResponse:
    return render(request, "web/round.html", round_context(request))


@login_required
@require_GET
def round_list(request: HttpRequest) -> HttpResponse:
    """The round's list alone, for live.js to refresh."""
    return render(request, "web/_round.html", round_context(request))
