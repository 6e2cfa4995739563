"""`python manage.py demo`: make sure the demo patient exists and print how to sign in."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from pulserx.accounts.models import Patient, User
from pulserx.reminders.models import Medication, Schedule
from pulserx.reminders.planning import replan

DEMO_EMAIL = "demo@pulserx.local"
DEMO_PASSWORD = "pulserx-demo"


class Command(BaseCommand):
    help = "Create the demo patient (idempotent) and print its login."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email=DEMO_EMAIL).first()
        if user is None:
            # The demo address is local to this machine: there is no inbox to confirm it from.
            user = User.objects.create_user(DEMO_EMAIL, DEMO_PASSWORD, first_name="Demo",
                                            email_verified=True)
            patient = Patient.objects.create(user=user, timezone="Europe/London")
            self.add_medications(patient)
        self.stdout.write(f"demo login: {DEMO_EMAIL} / {DEMO_PASSWORD}")

    def add_medications(self, patient: Patient) -> None:
        today = timezone.localdate()
        for name, strength, at in (("Metformin", "500 mg", [time(8), time(20)]),
                                   ("Lisinopril", "10 mg", [time(9)])):
            medication = Medication.objects.create(patient=patient, name=name, strength=strength,
                                                   stock=60, refill_threshold=10)
            schedule = Schedule.objects.create(
                patient=patient, medication=medication, start_date=today - timedelta(days=1),
                times=[{"at": t.strftime("%H:%M"), "amount": "1"} for t in at],
            )
            replan(schedule)
