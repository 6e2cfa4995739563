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

from pulserx.accounts.models import CareLink, CareLinkStatus, CareRole
from pulserx.dispatch.rows import DoseRow
from pulserx.notifications.models import Channel
from pulserx.reminders.clock import Reader, reader_of

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


def givers_of(reminded: list[DoseRow]) -> Iterable[tuple[DoseRow, Giver]]:
    """Each reminded dose (test reminders excluded: they are the patient's alone) with each
    giver of its person; one query for the whole batch."""
    rows = [row for row in reminded if not row.is_test]
    if not rows:
        return
    links = CareLink.objects.filter(
        patient_id__in={row.patient.id for row in rows}, status=CareLinkStatus.ACCEPTED,
        role__in=GIVING_ROLES, caregiver__isnull=False,
    ).select_related("caregiver__patient").order_by("pk")
    by_patient: dict[int, list[Giver]] = {}
    for link in links:
        user = link.caregiver
        assert user is not None
        by_patient.setdefault(link.patient_id, []).append(
            Giver(user.pk, reader_of(user), wanted_channels(user)))
    for row in rows:
        for giver in by_patient.get(row.patient.id, ()):
            if giver.user_id != row.patient.user_id:
                yield row, giver


def wanted_channels(user: object) -> tuple[Channel, ...]:
    """Push and email as the giver chose them for their own reminders, when they have any."""
    own = getattr(user, "patient", None)
    if own is None:
        return (Channel.PUSH,)
    wanted = []
    if own.notify_push:
        wanted.append(Channel.PUSH)
    if own.notify_email:
        wanted.append(Channel.EMAIL)
    return tuple(wanted)


def givers_first(links: Iterable[CareLink]) -> list[CareLink]:
    """Care links with the givers (gives, manages) first: a missed dose is told to those who
    already had its reminder before those who only see the day."""
    return sorted(links, key=lambda link: link.role not in GIVING_ROLES)
