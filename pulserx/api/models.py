"""Personal API tokens: what a script or app sends as ``Authorization: Bearer <token>``."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.db import models
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import ngettext

from pulserx.accounts.models import User, password_changed

TOKEN_PREFIX = "prx_"
# Creating tokens is cheap for a caller and each one is a credential: a few an hour is
# plenty for a person, and a stolen session cannot mint them by the thousand.
MAX_NEW_TOKENS_PER_HOUR = 10
MAX_TOKENS_PER_USER = 25
MAX_TOKEN_LIFETIME = timedelta(days=366)


class TokenScope(models.TextChoices):
    """What a token may do. A read token may only read (GET); recording doses, changing
    medications, rotating the calendar address, importing and revoking tokens need read-write."""

    READ = "read", "Read only"
    READ_WRITE = "read-write", "Read and write"


class TokenLimitError(Exception):
    """The account may not have another token now; the message says why."""


def token_digest(token: str) -> str:
    """The stored form of a token. SHA-256 is enough: tokens are 256 random bits, not
    passwords, so a slow hash would buy nothing and cost every request."""
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(models.Model):
    """A personal token. Only its digest is stored; the token itself is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    digest = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=12, help_text="The token's first characters.")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True,
                                      help_text="Refused from then on; empty: never expires.")
    scope = models.CharField(max_length=10, choices=TokenScope.choices,
                             default=TokenScope.READ_WRITE)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"api token {self.pk}"

    @property
    def may_write(self) -> bool:
        return self.scope == TokenScope.READ_WRITE

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @classmethod
    def live(cls) -> models.QuerySet[ApiToken]:
        """Tokens that still authenticate (not expired)."""
        return cls.objects.filter(models.Q(expires_at__isnull=True)
                                  | models.Q(expires_at__gt=timezone.now()))

    @classmethod
    def issue(cls, user: User, name: str, expires_at: datetime | None = None,
              scope: TokenScope = TokenScope.READ_WRITE) -> tuple[ApiToken, str]:
        """Create a token for `user`; returns the row and the token (never stored). Raises
        TokenLimitError past the per-hour or per-account limits, ValueError for an expiry
        in the past or more than a year ahead."""
        check_can_issue(user, expires_at)
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        row = cls.objects.create(user=user, name=name, digest=token_digest(token),
                                 hint=token[: len(TOKEN_PREFIX) + 4], expires_at=expires_at,
                                 scope=scope)
        return row, token


def check_can_issue(user: User, expires_at: datetime | None) -> None:
    now = timezone.now()
    if expires_at is not None and not now < expires_at <= now + MAX_TOKEN_LIFETIME:
        raise ValueError("must be in the future and within a year")
    mine = ApiToken.objects.filter(user=user)
    if mine.filter(created_at__gt=now - timedelta(hours=1)).count() >= MAX_NEW_TOKENS_PER_HOUR:
        raise TokenLimitError(ngettext(
            "At most %(most)s new token an hour: try again later.",
            "At most %(most)s new tokens an hour: try again later.",
            MAX_NEW_TOKENS_PER_HOUR) % {"most": MAX_NEW_TOKENS_PER_HOUR})
    if mine.count() >= MAX_TOKENS_PER_USER:
        raise TokenLimitError(ngettext(
            "At most %(most)s token per account: revoke one you no longer use first.",
            "At most %(most)s tokens per account: revoke one you no longer use first.",
            MAX_TOKENS_PER_USER) % {"most": MAX_TOKENS_PER_USER})


@receiver(password_changed)
def revoke_tokens(sender: Any, user: User, **kwargs: Any) -> None:
    """A new password ends every token: whoever had the old one may have made them."""
    ApiToken.objects.filter(user=user).delete()
