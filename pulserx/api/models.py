"""Personal API tokens: what a script or app sends as ``Authorization: Bearer <token>``."""

from __future__ import annotations

import hashlib
import secrets

from django.db import models

from pulserx.accounts.models import User

TOKEN_PREFIX = "prx_"


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

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"api token {self.pk}"

    @classmethod
    def issue(cls, user: User, name: str) -> tuple[ApiToken, str]:
        """Create a token for `user`; returns the row and the token (never stored)."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        row = cls.objects.create(user=user, name=name, digest=token_digest(token),
                                 hint=token[: len(TOKEN_PREFIX) + 4])
        return row, token
