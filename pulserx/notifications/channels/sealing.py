"""Channel settings at rest: a Fernet token of their JSON, under PULSERX_CHANNEL_KEYS.

The keys are a MultiFernet, newest first: the first seals, every one of them opens, so a
new key is put in front, `manage.py rotate_channel_keys` re-seals every channel with it, and
the old key is then removed. Without keys a key derived from SECRET_KEY is used (then
changing SECRET_KEY locks the channels: production sets its own keys).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class SealBroken(Exception):
    """No configured key opens the sealed settings (a key was removed too early)."""


@functools.lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    if not keys:
        derived = hashlib.sha256(b"pulserx.channel-settings:" + secret_key.encode()).digest()
        keys = (base64.urlsafe_b64encode(derived).decode(),)
    return MultiFernet([Fernet(key.encode()) for key in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.PULSERX_CHANNEL_KEYS), settings.SECRET_KEY)


def seal(values: dict[str, Any]) -> str:
    return fernet().encrypt(json.dumps(values, separators=(",", ":")).encode()).decode()


def unseal(token: str) -> dict[str, Any]:
    try:
        values: dict[str, Any] = json.loads(fernet().decrypt(token.encode()))
    except InvalidToken:
        raise SealBroken("no key in PULSERX_CHANNEL_KEYS opens this channel's settings") \
            from None
    return values


def reseal(token: str) -> str:
    """The same settings sealed with the first key (for key rotation)."""
    try:
        return fernet().rotate(token.encode()).decode()
    except InvalidToken:
        raise SealBroken("no key in PULSERX_CHANNEL_KEYS opens this channel's settings") \
            from None
