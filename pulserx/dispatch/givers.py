"""Reminders go to whoever gives: at a dose's due time, each active member of the person's
care team whose role is *gives* or *manages* is reminded too, on their own channels.

The givers of a whole claimed batch are read in ONE query (`givers_of`), never one per dose:
a burst's cost grows with its doses, not with its care teams. Each giver's reminder is an
inbox row of its own (`NotificationKind.GIVER_REMINDER`, unique per giver and dose like every
alert), written in the batch's transaction, so a retried or repeated tick never reminds a
giver twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pulserx.accounts.models import CareLink, CareLinkStatus, CareRole, reads_twelve_hour
from pulserx.dispatch.rows import DoseRow
from pulserx.notifications.models import Channel
from pulserx.reminders.clock import Reader, reading_zone

# The roles whose members are reminded when a dose is due (they may record it).
GIVING_ROLES = (CareRole.GIVES, CareRole.MANAGES)


@dataclass(frozen=True, slots=True)
class Giver:
    """A member of a care team who is reminded: who, how they read times, and which of
    push and email they want (a giver who also takes medications here keeps their own
    switches; a carer's account has none, so push when subscribed, no reminder email)."""

    user_id: int
    reader: Reader
    channels: tuple[Channel, ...]


# What a giver's reminder needs of the giver, read as plain values (no model instances on
# the dispatcher's hot path): their clock, clock format and language, and their own switches
# when they take medications here too (the Patient columns are NULL otherwise).
_FIELDS = ("patient_id", "caregiver_id", "caregiver__timezone", "caregiver__clock_format",
           "caregiver__language_clock_format", "caregiver__language", "caregiver__patient__id",
           "caregiver__patient__timezone", "caregiver__patient__current_timezone",
           "caregiver__patient__travel_policy", "caregiver__patient__notify_push",
           "caregiver__patient__notify_email")


@dataclass(frozen=True, slots=True)
class _OwnClock:
    timezone: str
    current_timezone: str
    travel_policy: str


def givers_of(reminded: list[DoseRow]) -> Iterable[tuple[DoseRow, Giver]]:
    """Each reminded dose (test reminders excluded: they are the patient's alone) with each
    giver of its person; one query for the whole batch."""
    rows = [row for row in reminded if not row.is_test]
    if not rows:
        return
    links = CareLink.objects.filter(
        patient_id__in={row.patient.id for row in rows}, status=CareLinkStatus.ACCEPTED,
        role__in=GIVING_ROLES, caregiver__isnull=False,
    ).order_by("pk").values_list(*_FIELDS)
    built: dict[int, Giver] = {}  # a carer who gives for several people is built once
    by_patient: dict[int, list[Giver]] = {}
    for patient_id, user_id, *values in links:
        giver = built.get(user_id)
        if giver is None:
            giver = built[user_id] = _giver(user_id, *values)
        by_patient.setdefault(patient_id, []).append(giver)
    for row in rows:
        for giver in by_patient.get(row.patient.id, ()):
            if giver.user_id != row.patient.user_id:
                yield row, giver


def _giver(user_id: int, timezone: str, chosen_clock: str, language_clock: str,
           language: str, own_patient: int | None, home: str | None, current: str | None,
           policy: str | None, push: bool | None, email: bool | None) -> Giver:
    """A giver from their values: their reader (`reminders.clock.reader_of`, without a
    User) and the channels they want (see `Giver`)."""
    own = (_OwnClock(home or "UTC", current or "", policy or "") if own_patient is not None
           else None)
    reader = Reader(reading_zone(own, timezone), reads_twelve_hour(chosen_clock, language_clock),
                    language)
    channels: tuple[Channel, ...] = (Channel.PUSH,)
    if own_patient is not None:
        channels = tuple(channel for channel, wanted in ((Channel.PUSH, push),
                                                         (Channel.EMAIL, email)) if wanted)
    return Giver(user_id, reader, channels)


def givers_first(links: Iterable[CareLink]) -> list[CareLink]:
    """Care links with the givers (gives, manages) first: a missed dose is told to those who
    already had its reminder before those who only see the day."""
    return sorted(links, key=lambda link: link.role not in GIVING_ROLES)
