"""Signing out, or changing the password, ends the live connections that session (or every
session of the user) opened: an open WebSocket must not keep receiving events."""

from __future__ import annotations

import contextlib
from typing import Any

from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest

from pulserx import live
from pulserx.accounts.models import User, password_changed
from pulserx.live import inbox_group, session_group

_END = {"type": "session.end"}


def close_sockets(groups: list[str]) -> None:
    # Best effort: with Redis away no socket receives anything anyway.
    with contextlib.suppress(Exception):
        live.publish([(group, _END) for group in groups])


@receiver(user_logged_out)
def on_logout(sender: Any, request: HttpRequest | None, user: User | None,
              **kwargs: Any) -> None:
    key = request.session.session_key if request is not None else None
    if key:
        close_sockets([session_group(key)])


@receiver(password_changed)
def on_password_changed(sender: Any, user: User, **kwargs: Any) -> None:
    transaction.on_commit(lambda: close_sockets([inbox_group(user.pk)]))
