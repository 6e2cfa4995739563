"""`python manage.py rotate_channel_keys`: re-seal every channel's settings with the first
key of PULSERX_CHANNEL_KEYS, so that older keys can be removed."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from pulserx.notifications.channels import sealing
from pulserx.notifications.models import UserChannel


class Command(BaseCommand):
    help = "Re-seal channel credentials with the first key of PULSERX_CHANNEL_KEYS."

    def handle(self, *args: Any, **options: Any) -> None:
        resealed = broken = 0
        for pk in UserChannel.objects.values_list("pk", flat=True).iterator():
            with transaction.atomic():
                channel = UserChannel.objects.select_for_update().filter(pk=pk).first()
                if channel is None:
                    continue
                try:
                    channel.sealed_settings = sealing.reseal(channel.sealed_settings)
                except sealing.SealBroken:
                    broken += 1
                    continue
                channel.save(update_fields=["sealed_settings"])
                resealed += 1
        self.stdout.write(f"{resealed} channels re-sealed with the first key")
        if broken:
            raise CommandError(f"{broken} channels could not be opened by any key: keep the "
                               "key they were sealed with in PULSERX_CHANNEL_KEYS")
