"""Each dose names its slot (local day, wall time); existing doses get theirs from their
patient's reminder clock."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.db import migrations, models


def fill_slots(apps: Any, schema_editor: Any) -> None:
    Dose = apps.get_model("reminders", "Dose")
    seen: set[tuple[int, object, object]] = set()
    doses = Dose.objects.filter(schedule__isnull=False).select_related("patient")
    for dose in doses.order_by("due_at").iterator():
        patient = dose.patient
        name = (patient.current_timezone if patient.travel_policy == "local"
                and patient.current_timezone else patient.timezone)
        local = dose.due_at.astimezone(ZoneInfo(name))
        slot = (dose.schedule_id, local.date(), local.time().replace(tzinfo=None))
        if slot in seen:  # planned twice under two clocks before slots existed: keep both
            continue
        seen.add(slot)
        Dose.objects.filter(pk=dose.pk).update(local_day=slot[1], wall_time=slot[2])


class Migration(migrations.Migration):

    dependencies = [
        ("reminders", "0004_schedule_kinds_and_limits"),
    ]

    operations = [
        migrations.AddField(
            model_name="dose",
            name="local_day",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="dose",
            name="wall_time",
            field=models.TimeField(blank=True, null=True),
        ),
        migrations.RunPython(fill_slots, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="dose",
            constraint=models.UniqueConstraint(fields=("schedule", "local_day", "wall_time"),
                                               name="one_dose_per_slot"),
        ),
    ]
