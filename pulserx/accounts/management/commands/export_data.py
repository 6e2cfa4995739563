"""Write a patient's "Download all my data" ZIP to a file, as the Settings page serves it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from pulserx.accounts.models import Patient
from pulserx.exports.archive_out import build_archive


class Command(BaseCommand):
    help = "Write the data export (ZIP) of the patient account with this email to a file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("archive", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        patient = Patient.objects.filter(user__email__iexact=options["email"]).first()
        if patient is None:
            raise CommandError(f"No patient account has the address {options['email']}.")
        path: Path = options["archive"]
        content = build_archive(patient, timezone.now())
        try:
            # Health data: readable by the owner of the file only, from the first byte.
            path.touch(mode=0o600, exist_ok=True)
            path.chmod(0o600)
            path.write_bytes(content)
        except OSError as error:
            raise CommandError(f"Cannot write {path}: {error.strerror}") from None
        self.stdout.write(f"wrote {len(content)} bytes to {path}")
