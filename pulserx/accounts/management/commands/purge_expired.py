"""Purge accounts past their deletion grace period, access records past their retention and
expired sessions.

The worker runs the same job every hour; this command is for running it by hand or from cron.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from pulserx.accounts.deletion import purge_expired


class Command(BaseCommand):
    help = ("Delete accounts whose grace period has ended, expired access records and "
            "expired sessions.")

    def handle(self, *args: Any, **options: Any) -> None:
        report = purge_expired()
        self.stdout.write(f"accounts deleted: {report.accounts}; "
                          f"access records deleted: {report.access_records}; "
                          f"ended sessions forgotten: {report.sessions}")
