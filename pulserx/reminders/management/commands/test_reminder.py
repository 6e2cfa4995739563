"""`python manage.py test_reminder EMAIL`: a reminder due in a few seconds, to prove delivery."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from pulserx.accounts.models import Patient
from pulserx.reminders.actions import send_test_reminder


class Command(BaseCommand):
    help = "Create a test reminder for a patient, due in about five seconds."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("email", help="The patient's sign-in email.")

    def handle(self, *args: Any, email: str, **options: Any) -> None:
        patient = Patient.objects.filter(user__email__iexact=email).first()
        if patient is None:
            raise CommandError(f"No patient signs in as {email}.")
        dose = send_test_reminder(patient)
        seconds = (dose.due_at - timezone.now()).total_seconds()
        self.stdout.write(f"test reminder {dose.pk} is due in {seconds:.0f} s; "
                          "watch the worker log and the patient's page")
