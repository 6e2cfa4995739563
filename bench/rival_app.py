"""The same reminders as procrastinate jobs (the PostgreSQL job queue a Django team would
pick today), kept here so the product stays clean: one job per reminder, deferred ahead with
`schedule_at` = its due second; the task marks the dose notified, writes its inbox row and
publishes its live event through the product's own pipelined publisher.

Run as `procrastinate --app=bench.rival_app.app worker --concurrency=N`, on the benchmark's
database (DATABASE_URL) and Redis (REDIS_URL).
"""

from __future__ import annotations

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pulserx.settings")
django.setup()

import procrastinate  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

app = procrastinate.App(
    connector=procrastinate.PsycopgConnector(conninfo=os.environ["DATABASE_URL"]))


@app.task(name="rival.remind", queue="reminders")
def remind(dose_id: int) -> None:
    """Mark the dose notified and write its inbox row in one transaction, then publish."""
    from pulserx import live
    from pulserx.notifications.models import Notification, NotificationKind
    from pulserx.notifications.render import facts_of, message
    from pulserx.notifications.shapes import event_payload
    from pulserx.reminders.models import Dose, DoseStatus

    now = timezone.now()
    with transaction.atomic():
        dose = (Dose.objects.select_for_update(of=("self",))
                .select_related("patient", "medication").get(pk=dose_id))
        dose.status = DoseStatus.NOTIFIED
        dose.reminded_at = now
        dose.alerts_sent += 1
        dose.save(update_fields=["status", "reminded_at", "alerts_sent"])
        notification = Notification.objects.create(
            recipient_id=dose.patient.user_id, patient=dose.patient, dose=dose,
            kind=NotificationKind.REMINDER, created_at=now)
    payload = event_payload(message(notification, facts_of(dose), "", None))
    live.publish([live.event_for(dose.patient.user_id, payload)])
