"""Bring a "Download all my data" ZIP back into a patient account that has no medications
yet, as the Settings page does; for an operator moving someone between PulseRx servers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from pulserx.accounts.models import Patient
from pulserx.exports.archive_format import MAX_UPLOAD_BYTES, ArchiveRefused
from pulserx.exports.archive_in import too_large, unpack
from pulserx.exports.record_in import import_record


class Command(BaseCommand):
    help = ("Import a PulseRx data export (ZIP) into the patient account with this email "
            "(it must have no medications yet). Nothing is imported if anything is refused.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path)
        parser.add_argument("email", help="the patient account to import into")
        parser.add_argument("--other-account", action="store_true",
                            help="import although the export was made from another address")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["archive"]
        patient = Patient.objects.filter(user__email__iexact=options["email"]).first()
        if patient is None:
            raise CommandError(f"No patient account has the address {options['email']}.")
        try:
            if path.stat().st_size > MAX_UPLOAD_BYTES:
                raise ArchiveRefused(too_large())
            record = unpack(path.read_bytes())
            summary = import_record(patient, record, timezone.now(),
                                    other_account=options["other_account"])
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}") from None
        except ArchiveRefused as refused:
            raise CommandError(str(refused)) from None
        self.stdout.write(summary.message())
