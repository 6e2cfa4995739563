"""Recording an as-needed ("took a dose") dose, with its limits enforced.

One service for the Today page and the API. A dose that would break a limit (the medication's
own, or its limit group's shared across medications) is refused with an explanation saying
why and when the next dose is allowed; recorded anyway when the person confirms, with a flag
and that explanation kept on the dose, and the caregivers told when the patient wants them to.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pulserx.accounts.models import User
from pulserx.clock_format import page_day_time, page_time
from pulserx.reminders.actions import DoseActionError, _publish_dose
from pulserx.reminders.clock import patient_zone
from pulserx.reminders.given import giver_name
from pulserx.reminders.limits import Breach, Limit, LimitCheck, check_limit
from pulserx.reminders.models import (
    Dose,
    DoseStatus,
    LimitGroup,
    Medication,
    RecordedVia,
    Schedule,
)
from pulserx.reminders.schedule import Recurrence
from pulserx.reminders.signals import limit_overridden

MAX_BACKDATE = timedelta(days=7)
FUTURE_SLACK = timedelta(minutes=2)  # a phone's clock may run a little ahead


class LimitExceeded(DoseActionError):
    """The dose would break a limit; `explanation` says which and when the next is allowed."""

    def __init__(self, explanation: str, next_allowed: datetime | None) -> None:
        super().__init__(explanation)
        self.explanation = explanation
        self.next_allowed = next_allowed


def limit_explanation(schedule: Schedule, at: datetime) -> tuple[str, datetime | None] | None:
    """Why a dose of `schedule` at `at` breaks a limit and when the next one is allowed, or
    None when it breaks none."""
    zone = patient_zone(schedule.patient)
    reasons: list[str] = []
    next_allowed: datetime | None = at
    for limit, taken, label in _limits_of(schedule, at):
        givers = dict(taken)
        verdict = check_limit(limit, [moment for moment, _ in taken], at)
        if verdict.allowed:
            continue
        reasons += [_reason(limit, verdict, breach, zone, label, givers)
                    for breach in verdict.breaches]
        if verdict.next_allowed is None or next_allowed is None:
            next_allowed = None
        else:
            next_allowed = max(next_allowed, verdict.next_allowed)
    if not reasons:
        return None
    # Translators: %(time)s is a time ("14:30") or a day and time ("Tue 3 Mar 14:30").
    when = (_("The next dose is allowed from %(time)s.") % {
        "time": clock_words(next_allowed, at, zone)} if next_allowed is not None else "")
    return " ".join([*reasons, when]).strip(), next_allowed


def _limits_of(schedule: Schedule, at: datetime
               ) -> list[tuple[Limit, list[tuple[datetime, str]], str]]:
    """Each limit that applies, with the taken doses it counts (every carer's: when each was
    taken and who gave it) and the name of its shared limit ("" for the medication's own)."""
    found = []
    for limit, doses, label in (
        (schedule.limit(), Dose.objects.filter(schedule=schedule), ""),
        *((group.limit(), Dose.objects.filter(schedule__limit_group=group),
           group.name) for group in _group(schedule)),
    ):
        if not limit.is_set:
            continue
        reach = max(limit.period, limit.min_gap or timedelta(0))
        taken = doses.filter(status=DoseStatus.TAKEN, due_at__gt=at - reach,
                             due_at__lt=at + reach).select_related("acted_by")
        found.append((limit, [(dose.due_at, giver_name(dose.acted_by) if dose.acted_by_id
                                else "") for dose in taken], label))
    return found


def _group(schedule: Schedule) -> list[LimitGroup]:
    return [schedule.limit_group] if schedule.limit_group is not None else []


def _reason(limit: Limit, verdict: LimitCheck, breach: Breach, zone: ZoneInfo,
            group: str, givers: dict[datetime, str]) -> str:
    """Which limit (`group`: the name of a shared one), and when the last dose was given and
    by whom (a second carer needs both to know the first already gave it)."""
    last = _last_counted(limit, verdict, breach, list(givers))
    since = ""
    if last and givers[last]:
        # Translators: ends a sentence about a limit: " (the last was at 14:30, given by Ana)".
        since = _(" (the last was at %(time)s, given by %(name)s)") % {
            "time": clock_words(last, verdict.at, zone), "name": givers[last]}
    elif last:
        # Translators: ends a sentence about a limit: " (the last was at 14:30)".
        since = _(" (the last was at %(time)s)") % {
            "time": clock_words(last, verdict.at, zone)}
    if breach is Breach.TOO_MANY:
        assert limit.max_doses is not None
        values = {"most": limit.max_doses, "period": hours_words(limit.period),
                  "taken": verdict.in_period, "group": group, "since": since,
                  "time": clock_words(verdict.at, verdict.at, zone)}
        # English keeps "At most 1 doses" as it has always read. Translators: %(period)s is
        # like "24 hours"; %(since)s is empty or " (the last was at …)".
        if group:
            return ngettext(
                "At most %(most)s doses of %(group)s in %(period)s: %(taken)s already taken "
                "in the %(period)s before %(time)s%(since)s.",
                "At most %(most)s doses of %(group)s in %(period)s: %(taken)s already taken "
                "in the %(period)s before %(time)s%(since)s.", limit.max_doses) % values
        return ngettext(
            "At most %(most)s doses in %(period)s: %(taken)s already taken in the "
            "%(period)s before %(time)s%(since)s.",
            "At most %(most)s doses in %(period)s: %(taken)s already taken in the "
            "%(period)s before %(time)s%(since)s.", limit.max_doses) % values
    assert limit.min_gap is not None
    values = {"gap": hours_words(limit.min_gap), "group": group, "since": since}
    if group:
        # Translators: %(gap)s is like "4 hours"; %(group)s names a shared limit.
        return _("Leave at least %(gap)s between doses of %(group)s%(since)s.") % values
    return _("Leave at least %(gap)s between doses%(since)s.") % values


def _last_counted(limit: Limit, verdict: LimitCheck, breach: Breach,
                  taken: list[datetime]) -> datetime | None:
    """The last dose that makes the breach: within the gap for "too soon" (it may be after
    a dose recorded late), else the last before the new one (or the last of the window)."""
    if breach is Breach.TOO_SOON and limit.min_gap is not None:
        near = [d for d in taken if abs(d - verdict.at) < limit.min_gap]
        return max(near) if near else None
    return verdict.last_before or (max(taken) if taken else None)


def hours_words(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    if minutes % 60:
        return ngettext("%(n)s minute", "%(n)s minutes", minutes) % {"n": minutes}
    hours = minutes // 60
    return ngettext("%(n)s hour", "%(n)s hours", hours) % {"n": hours}


def clock_words(moment: datetime, reference: datetime, zone: ZoneInfo) -> str:
    """"14:30" on the reference's local day, else "Tue 3 Mar 14:30" (the patient's clock, in
    the reader's clock format)."""
    local = moment.astimezone(zone)
    if local.date() == reference.astimezone(zone).date():
        return page_time(local)
    return page_day_time(local)


@transaction.atomic
def record_as_needed(schedule: Schedule, by: User, at: datetime | None = None, *,
                     override: bool = False, amount: Decimal | None = None,
                     now: datetime | None = None, via: RecordedVia = RecordedVia.PAGE) -> Dose:
    """Record an as-needed dose taken at `at` (default now): it lowers the stock and shows
    in the history. Raises LimitExceeded unless `override`, DoseActionError for a time
    in the future, more than a week back, or already recorded."""
    now = now or timezone.now()
    at = (at or now).replace(microsecond=0)
    if schedule.kind is not Recurrence.AS_NEEDED:
        raise DoseActionError(_("Only an as-needed medication takes doses at any time."))
    if at > now + FUTURE_SLACK:
        raise DoseActionError(_("A dose cannot be recorded in the future."))
    if at < now - MAX_BACKDATE:
        raise DoseActionError(_("Doses more than 7 days ago cannot be recorded."))
    # Serialise recordings of this medication (and its group), whoever records them, so two
    # carers at once cannot both pass a limit that only one of them fits: the second reads
    # the first's dose once it is committed.
    Schedule.objects.select_for_update().filter(pk=schedule.pk).first()
    if schedule.limit_group_id:
        LimitGroup.objects.select_for_update().filter(pk=schedule.limit_group_id).first()
    broken = limit_explanation(schedule, at)
    if broken is not None and not override:
        raise LimitExceeded(*broken)
    dose = _create_taken(schedule, by, via, at, amount or schedule.dose_amount, broken)
    if broken is not None and schedule.alert_caregivers_on_override:
        limit_overridden.send(Dose, dose=dose, at=now)  # caregivers get an inbox entry
    _publish_dose(dose)
    return dose


def _create_taken(schedule: Schedule, by: User, via: RecordedVia, at: datetime,
                  amount: Decimal,
                  broken: tuple[str, datetime | None] | None) -> Dose:
    try:
        with transaction.atomic():
            dose = Dose.objects.create(
                patient=schedule.patient, schedule=schedule, medication=schedule.medication,
                due_at=at, amount=amount, status=DoseStatus.TAKEN, acted_at=at, acted_by=by,
                recorded_via=via,
                limit_override=broken is not None, limit_note=broken[0][:300] if broken else "")
    except IntegrityError:
        raise DoseActionError(_("A dose is already recorded at that time.")) from None
    Medication.objects.filter(pk=schedule.medication_id, stock__isnull=False).update(
        stock=Greatest(F("stock") - amount, Decimal(0)))
    return dose
