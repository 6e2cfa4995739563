"""System checks for invariants that must hold wherever PulseRx runs."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register


@register()
def check_utc(**kwargs: Any) -> list[Error]:
    if settings.TIME_ZONE != "UTC" or not settings.USE_TZ:
        return [Error("TIME_ZONE must be 'UTC' with USE_TZ on: doses are stored in UTC.",
                      id="pulserx.E001")]
    return []


@register(deploy=True)
def check_secret_key(**kwargs: Any) -> list[Error]:
    if not settings.DEBUG and settings.SECRET_KEY == settings.DEV_SECRET_KEY:
        return [Error("SECRET_KEY is the development key while DEBUG is off.",
                      hint="Set SECRET_KEY in the environment.", id="pulserx.E002")]
    return []


@register(deploy=True)
def check_vapid(**kwargs: Any) -> list[Error]:
    if bool(settings.VAPID_PUBLIC_KEY) != bool(settings.VAPID_PRIVATE_KEY):
        return [Error("Set both VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY, or neither.",
                      hint="python manage.py vapid_keys prints a new pair.", id="pulserx.E003")]
    return []
