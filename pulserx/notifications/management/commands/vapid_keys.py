"""Print a new VAPID key pair for Web Push, as lines for the environment."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from pulserx.notifications.vapid import new_vapid_keys


class Command(BaseCommand):
    help = ("Print a new VAPID key pair. Set both in the web and worker environments; "
            "changing them later makes every browser subscribe again.")

    def handle(self, *args: Any, **options: Any) -> None:
        public, private = new_vapid_keys()
        self.stdout.write(f"VAPID_PUBLIC_KEY={public}")
        self.stdout.write(f"VAPID_PRIVATE_KEY={private}")
