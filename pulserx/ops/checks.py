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


@register(deploy=True)
def check_redis_url(**kwargs: Any) -> list[Error]:
    if not settings.DEBUG and settings.REDIS_IS_EMBEDDED:
        return [Error("REDIS_URL is not set while DEBUG is off.",
                      hint="The embedded redis-server is for development only; point REDIS_URL "
                           "at the Redis that the web and worker processes share.",
                      id="pulserx.E004")]
    return []


@register(deploy=True)
def check_site_url(**kwargs: Any) -> list[Error]:
    if not settings.DEBUG and not settings.SITE_URL.startswith("https://"):
        return [Error("SITE_URL must be the site's public https:// address when DEBUG is off.",
                      hint="Links in reminder emails and the CSRF trusted origin are built "
                           "from it.", id="pulserx.E005")]
    return []


@register(deploy=True)
def check_memory_budget(**kwargs: Any) -> list[Error]:
    if settings.PULSERX_WORKER_MAX_RSS_MB >= settings.PULSERX_WORKER_MEMORY_LIMIT_MB:
        return [Error("PULSERX_WORKER_MAX_RSS_MB must be below PULSERX_WORKER_MEMORY_LIMIT_MB.",
                      hint="Past the limit the platform kills the worker before the memory "
                           "guard can restart it warmly.", id="pulserx.E006")]
    return []


@register(deploy=True)
def check_email_backend(**kwargs: Any) -> list[Error]:
    if not settings.DEBUG and settings.EMAIL_BACKEND.endswith(("console.EmailBackend",
                                                                "locmem.EmailBackend")):
        return [Error("EMAIL_URL is not set while DEBUG is off: reminder emails would be printed "
                      "to the log, medication names included.",
                      hint="Set EMAIL_URL, e.g. smtp+tls://user:password@smtp.example.org:587",
                      id="pulserx.E007")]
    return []


@register()
def check_channel_keys(**kwargs: Any) -> list[Error]:
    """Every key in PULSERX_CHANNEL_KEYS must be a Fernet key (32 bytes, base64url)."""
    from cryptography.fernet import Fernet

    for position, key in enumerate(settings.PULSERX_CHANNEL_KEYS, start=1):
        try:
            Fernet(key.encode())
        except ValueError:
            return [Error(f"PULSERX_CHANNEL_KEYS: key {position} is not a Fernet key.",
                          hint="Fernet.generate_key() makes one; see the README's Channels.",
                          id="pulserx.E020")]
    return []



@register()
def check_passkey_rp_id(**kwargs: Any) -> list[Error]:
    """Browsers accept a relying party id only if it is the page's host or a domain above it."""
    from urllib.parse import urlsplit

    rp_id = settings.PULSERX_PASSKEY_RP_ID
    host = urlsplit(settings.SITE_URL).hostname or ""
    if rp_id and host != rp_id and not host.endswith("." + rp_id):
        return [Error(f"PULSERX_PASSKEY_RP_ID ({rp_id}) is neither SITE_URL's host ({host}) "
                      "nor a domain above it: browsers would refuse every passkey.",
                      hint="Leave it empty (the host of SITE_URL) or set a parent domain.",
                      id="pulserx.E025")]
    return []
