"""A patient with something of everything the data export carries, made through the ways
PulseRx itself makes it (the API, recording, correcting, refilling), at a frozen `NOW`."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from html import unescape
from typing import Any

from django.test import Client

from pulserx.accounts.models import CareLink, CareLinkStatus, Patient, User
from pulserx.api.models import ApiToken
from pulserx.notifications.models import Notification, NotificationKind, UserChannel
from pulserx.reminders.actions import record_dose
from pulserx.reminders.as_needed import record_as_needed
from pulserx.reminders.corrections import Correction, correct_dose
from pulserx.reminders.models import DoseStatus, LimitGroup, Medication, Schedule
from pulserx.reminders.planning import replan
from pulserx.reminders.routine import set_routine
from pulserx.reminders.stock import refill
from tests.factories import dose as make_dose
from tests.support import https_client

NOW = datetime(2026, 6, 10, 9, 30, tzinfo=UTC)
PASSWORD = "correct horse battery"

SCHEDULES: list[dict[str, Any]] = [
    {"name": "Metformin", "strength": "500 mg", "stock": 30, "refill_threshold": 5,
     "pack_size": 30, "schedule": {"times": [{"at": "08:00"}, {"at": "20:00"}],
                                   "start_date": "2026-05-01"}},
    {"name": "Vitamin D", "form": "drops", "schedule": {
        "recurrence": "weekdays", "weekdays": [0, 2, 4], "times": [{"at": "09:00"}],
        "start_date": "2026-05-01"}},
    {"name": "Methotrexate", "instructions": "with food", "schedule": {
        "recurrence": "interval", "every_days": 7, "times": [{"at": "18:00", "amount": 4}],
        "start_date": "2026-05-04", "end_date": "2026-12-31"}},
    {"name": "Contraceptive", "schedule": {
        "recurrence": "cycle", "days_on": 21, "days_off": 7, "times": [{"at": "21:00"}],
        "start_date": "2026-05-20"}},
    {"name": "Prednisolone", "strength": "5 mg", "schedule": {
        "recurrence": "taper", "start_date": "2026-06-11", "continue_last_phase": False,
        "phases": [{"days": 3, "times": [{"at": "08:00", "amount": 4}]},
                   {"days": 3, "times": [{"at": "08:00", "amount": 2}]}]}},
    {"name": "Amoxicillin", "form": "capsule", "schedule": {
        "recurrence": "every_hours", "every_minutes": 480, "anchor_at": "2026-06-09T06:00:00Z",
        "window_start": "06:00", "window_end": "23:00", "dose_count": 21}},
    {"name": "Paracetamol", "stock": 16, "schedule": {
        "recurrence": "as_needed", "dose_amount": 2, "max_doses": 4, "limit_period_hours": 24,
        "min_gap_minutes": 240}},
]


def build_account(patient: Patient, caregiver: User) -> None:
    """Settings, a day, seven kinds of schedule, recorded and corrected doses, stock events,
    inbox messages, a caregiver, a channel (call with time frozen at NOW)."""
    Patient.objects.filter(pk=patient.pk).update(
        realert_every_minutes=15, quiet_start=time(22), quiet_end=time(7),
        reported_timezone="Europe/Paris", notify_email=True)
    patient.refresh_from_db()
    set_routine(patient, breakfast=time(7, 45))
    _, token = ApiToken.issue(patient.user, "tests")
    api = https_client(headers={"Authorization": f"Bearer {token}"})
    for body in SCHEDULES:
        response = api.post("/api/v1/medications", body, content_type="application/json")
        assert response.status_code == 201, response.content
    ApiToken.objects.filter(user=patient.user).delete()
    tie_to_breakfast(patient)
    group = LimitGroup.objects.create(patient=patient, name="paracetamol", max_doses=4)
    Schedule.objects.filter(medication__name="Paracetamol").update(limit_group=group)
    record_history(patient)
    UserChannel.objects.create(user=patient.user, service="ntfy", name="Phone",
                               sealed_settings="sealed-secret", paused=True)
    assert CareLink.objects.filter(patient=patient, caregiver=caregiver,
                                   status=CareLinkStatus.ACCEPTED).exists()


def tie_to_breakfast(patient: Patient) -> None:
    schedule = Schedule.objects.get(medication__name="Vitamin D")
    schedule.times = [{"at": "07:45", "amount": "1", "anchor": "breakfast", "offset": 0}]
    schedule.save(update_fields=["times"])
    replan(schedule)


def record_history(patient: Patient) -> None:
    user = patient.user
    metformin = Medication.objects.get(name="Metformin")
    days = [NOW.replace(hour=7) - timedelta(days=n) for n in range(1, 4)]
    taken = make_dose(metformin, days[0], local_day=days[0].date(), wall_time=time(8))
    record_dose(taken.pk, DoseStatus.TAKEN, user, now=days[0] + timedelta(minutes=95))
    skipped = make_dose(metformin, days[1], local_day=days[1].date(), wall_time=time(8))
    record_dose(skipped.pk, DoseStatus.SKIPPED, user, now=days[1] + timedelta(minutes=5))
    make_dose(metformin, days[2], DoseStatus.MISSED, local_day=days[2].date(),
              wall_time=time(8), alerts_sent=1, reminded_at=days[2])
    corrected = make_dose(metformin, NOW - timedelta(hours=12), local_day=NOW.date()
                          - timedelta(days=1), wall_time=time(20))
    record_dose(corrected.pk, DoseStatus.SKIPPED, user, now=NOW - timedelta(hours=11))
    correct_dose(corrected.pk, Correction.TAKEN, user, now=NOW - timedelta(hours=2),
                 taken_at=NOW - timedelta(hours=11, minutes=30))
    due = make_dose(metformin, NOW.replace(hour=7), local_day=NOW.date(), wall_time=time(8),
                    alerts_sent=1, reminded_at=NOW.replace(hour=7),
                    next_action_at=NOW + timedelta(minutes=15))
    Notification.objects.create(recipient=user, patient=patient, dose=due,
                                kind=NotificationKind.REMINDER, created_at=due.due_at)
    Notification.objects.create(recipient=user, patient=patient, dose=taken,
                                kind=NotificationKind.REMINDER, created_at=taken.due_at,
                                read_at=taken.due_at + timedelta(minutes=90))
    paracetamol = Schedule.objects.get(medication__name="Paracetamol")
    record_as_needed(paracetamol, user, at=NOW - timedelta(hours=5), now=NOW)
    record_as_needed(paracetamol, user, at=NOW - timedelta(hours=3), override=True, now=NOW)
    refill(metformin.pk, user, NOW - timedelta(hours=1))
    make_dose(None, NOW - timedelta(days=2), DoseStatus.NOTIFIED, patient=patient,
              amount="1")


def signed_in(user: User) -> Client:
    client = https_client()
    client.force_login(user)
    return client


PAGES = ("/", "/history/", "/history/report", "/medications/", "/inbox/")


def page_texts(user: User) -> dict[str, str]:
    """What the patient reads on each page: its text, without markup (ids live only in
    links and attributes)."""
    client = signed_in(user)
    texts = {}
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 200, path
        html = re.sub(r"(?s)<(script|style)\b.*?</\1>", "", response.content.decode())
        main = re.search(r"(?s)<main\b.*?</main>", html)
        text = re.sub(r"<[^>]+>", " ", main.group(0) if main else html)
        texts[path] = " ".join(unescape(text).split())
    return texts


def without_ids(record: dict[str, Any]) -> dict[str, Any]:
    """The record with every id and reference replaced by the position of what it names."""
    positions: dict[str, dict[Any, int]] = {}
    schedules = [m["schedule"] for m in record["medications"] if m["schedule"]]
    for table, rows in (("limit_groups", record["limit_groups"]),
                        ("medications", record["medications"]), ("schedules", schedules),
                        ("doses", record["doses"]),
                        ("stock_events", record["stock_events"]),
                        ("refill_reminders", record["refill_reminders"])):
        positions[table] = {row["id"]: n for n, row in enumerate(rows)}
    refs = {"limit_group": "limit_groups", "medication": "medications",
            "schedule": "schedules", "dose": "doses", "refill": "refill_reminders"}

    def swap(row: dict[str, Any], table: str) -> dict[str, Any]:
        out = {key: value for key, value in row.items()}
        out["id"] = positions[table][row["id"]]
        for key, target in refs.items():
            if key in out and (out[key] is None or isinstance(out[key], int)):
                out[key] = None if out[key] is None else positions[target][out[key]]
        return out

    copy = dict(record)
    copy["limit_groups"] = [swap(r, "limit_groups") for r in record["limit_groups"]]
    copy["medications"] = [{**swap(m, "medications"), "schedule": swap(m["schedule"],
                            "schedules") if m["schedule"] else None}
                           for m in record["medications"]]
    copy["doses"] = [swap(r, "doses") for r in record["doses"]]
    copy["stock_events"] = [swap(r, "stock_events") for r in record["stock_events"]]
    copy["refill_reminders"] = [swap(r, "refill_reminders") for r in record["refill_reminders"]]
    copy["notifications"] = [{**r, "dose": positions["doses"].get(r["dose"]),
                              "refill": positions["refill_reminders"].get(r["refill"])}
                             for r in record["notifications"]]
    return copy
