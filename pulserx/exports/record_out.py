"""Everything that is a patient's, as one JSON document (`archive_format.RECORD`).

Each record keeps its database id as `id`, and records refer to each other by those ids; an
import gives every record a new id (`record_in`). Secrets never leave: no password, calendar
token, invitation token, API token or channel settings. docs/data-export.md lists every key.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.db.models import Model

from pulserx.accounts.models import CareLink, Patient, User
from pulserx.exports.archive_format import FORMAT, VERSION
from pulserx.notifications.models import Notification, UserChannel
from pulserx.reminders.models import (
    DayRoutine,
    Dose,
    DoseCorrection,
    LimitGroup,
    Medication,
    RefillReminder,
    Schedule,
    StockEvent,
)

Json = dict[str, Any]

PROFILE_FIELDS = ("email", "first_name", "last_name")
SETTINGS_FIELDS = ("timezone", "current_timezone", "reported_timezone", "travel_policy",
                   "quiet_start", "quiet_end", "notify_email", "notify_push",
                   "missed_after_minutes", "realert_every_minutes", "realert_limit")
ROUTINE_FIELDS = ("wake", "breakfast", "lunch", "dinner", "bedtime")
LIMIT_GROUP_FIELDS = ("id", "name", "max_doses", "period_hours", "min_gap_minutes")
MEDICATION_FIELDS = ("id", "name", "strength", "form", "instructions", "stock",
                     "refill_threshold", "paused", "dose_unit", "strength_value",
                     "strength_unit", "pack_size", "refill_lead_days", "refill_cycle",
                     "created_at")
SCHEDULE_FIELDS = ("id", "recurrence", "times", "weekdays", "every_days", "days_on",
                   "days_off", "start_date", "end_date", "every_minutes", "interval_from",
                   "anchor_at", "window_start", "window_end", "dose_count", "dose_amount",
                   "phases", "continue_last_phase", "max_doses", "limit_period_hours",
                   "min_gap_minutes", "alert_caregivers_on_override")
SCHEDULE_REFS = {"limit_group": "limit_groups"}
DOSE_FIELDS = ("id", "due_at", "local_day", "wall_time", "amount", "status", "next_action_at",
               "alerts_sent", "late", "snoozed_until", "reminded_at", "moved_at", "acted_at",
               "limit_override", "limit_note")
DOSE_REFS = {"medication": "medications", "schedule": "schedules"}
CORRECTION_FIELDS = ("from_status", "from_acted_at", "to_status", "to_acted_at", "at")
STOCK_EVENT_FIELDS = ("id", "kind", "change", "stock_after", "was_short", "at")
STOCK_EVENT_REFS = {"medication": "medications", "dose": "doses"}
REFILL_FIELDS = ("id", "cycle", "stage", "due_at", "runs_out_at", "sent_at")
REFILL_REFS = {"medication": "medications"}
NOTIFICATION_FIELDS = ("kind", "sequence", "count", "late", "quiet_until", "created_at",
                       "read_at")
NOTIFICATION_REFS = {"dose": "doses", "refill": "refill_reminders"}
CARE_FIELDS = ("invited_email", "status", "alert_on_missed", "created_at")
CHANNEL_FIELDS = ("service", "name", "paused", "for_reminders", "for_realerts", "for_missed",
                  "for_refills", "created_at")


def value(item: object) -> Any:
    """A field's value as JSON: exact decimals as strings, instants in UTC with their offset,
    dates in ISO form, times of day as HH:MM (HH:MM:SS when they have seconds)."""
    if isinstance(item, Decimal):
        return f"{item:f}"
    if isinstance(item, time) and not (item.second or item.microsecond):
        return item.isoformat(timespec="minutes")
    if isinstance(item, datetime | date | time):
        return item.isoformat()
    return item


def fields_of(row: Model, names: tuple[str, ...], refs: dict[str, str] | None = None) -> Json:
    out = {name: value(getattr(row, name)) for name in names}
    for name in refs or {}:
        out[name] = getattr(row, f"{name}_id")
    return out


def author(user_id: int | None, patient: Patient, emails: dict[int, str]) -> Json | None:
    """Who recorded or changed something: the patient, someone else (by address), or
    unknown (their account is gone)."""
    if user_id is None:
        return None
    if user_id == patient.user_id:
        return {"who": "patient"}
    return {"who": "other", "email": emails.get(user_id, "")}


def export_record(patient: Patient, now: datetime) -> Json:
    """The patient's whole record as of `now`."""
    user = patient.user
    medications = list(Medication.objects.filter(patient=patient).select_related("schedule")
                       .order_by("pk"))
    doses = list(Dose.objects.filter(patient=patient).order_by("pk"))
    corrections = list(DoseCorrection.objects.filter(dose__patient=patient).order_by("pk"))
    events = list(StockEvent.objects.filter(medication__patient=patient).order_by("pk"))
    by_dose: dict[int, list[DoseCorrection]] = {}
    for correction in corrections:
        by_dose.setdefault(correction.dose_id, []).append(correction)
    authors = {row.acted_by_id for row in doses} | {row.by_id for row in corrections} \
        | {row.by_id for row in events}
    emails = dict(User.objects.filter(pk__in=authors - {None}).values_list("pk", "email"))
    routine = DayRoutine.objects.filter(patient=patient).first()
    return {
        "format": FORMAT, "version": VERSION, "exported_at": value(now),
        "profile": fields_of(user, PROFILE_FIELDS),
        "settings": fields_of(patient, SETTINGS_FIELDS),
        "day_routine": fields_of(routine, ROUTINE_FIELDS) if routine else None,
        "limit_groups": [fields_of(g, LIMIT_GROUP_FIELDS) for g in
                         LimitGroup.objects.filter(patient=patient).order_by("pk")],
        "medications": [medication_record(m) for m in medications],
        "doses": [dose_record(d, by_dose.get(d.pk, []), patient, emails) for d in doses],
        "stock_events": [{**fields_of(e, STOCK_EVENT_FIELDS, STOCK_EVENT_REFS),
                          "by": author(e.by_id, patient, emails)} for e in events],
        "refill_reminders": [fields_of(r, REFILL_FIELDS, REFILL_REFS) for r in
                             RefillReminder.objects.filter(medication__patient=patient,
                                                           sent_at__isnull=False)
                             .order_by("pk")],
        "notifications": [fields_of(n, NOTIFICATION_FIELDS, NOTIFICATION_REFS) for n in
                          Notification.objects.filter(recipient=user, patient=patient)
                          .order_by("pk")],
        "care_team": [care_record(link) for link in
                      CareLink.objects.filter(patient=patient).select_related("caregiver")
                      .order_by("pk")],
        "channels": [fields_of(c, CHANNEL_FIELDS) for c in
                     UserChannel.objects.filter(user=user).order_by("pk")],
    }


def medication_record(medication: Medication) -> Json:
    schedule: Schedule | None = getattr(medication, "schedule", None)
    return {**fields_of(medication, MEDICATION_FIELDS),
            "schedule": fields_of(schedule, SCHEDULE_FIELDS, SCHEDULE_REFS)
            if schedule else None}


def dose_record(dose: Dose, corrections: list[DoseCorrection], patient: Patient,
                emails: dict[int, str]) -> Json:
    return {**fields_of(dose, DOSE_FIELDS, DOSE_REFS),
            "recorded_by": author(dose.acted_by_id, patient, emails),
            "corrections": [{**fields_of(c, CORRECTION_FIELDS),
                             "by": author(c.by_id, patient, emails)}
                            for c in corrections]}


def care_record(link: CareLink) -> Json:
    caregiver = link.caregiver
    return {**fields_of(link, CARE_FIELDS),
            "caregiver": None if caregiver is None else {
                "email": caregiver.email, "name": caregiver.get_full_name()}}
