"""Keep credentials that travel in URL paths out of the logs.

Calendar feeds, email action links, caregiver invitations, address verification and password
reset links carry their secret in the path, and Django logs the path of every 4xx/5xx
(`django.request`). The production web command runs uvicorn without access logs for the same
reason (see Procfile and render.yaml).
"""

from __future__ import annotations

import logging
import re

REDACTED = "[redacted]"
_TOKEN_PATHS = re.compile(
    r"(?P<prefix>/calendar/|/email/dose/|/accounts/care/accept/|/accounts/verify/"
    r"|/accounts/password/reset/)(?P<secret>(?!sent/|done/)[^\s?#\"']+)")


def carries_secret(path: str) -> bool:
    """Whether a URL path holds a token (a calendar feed, an email link, …)."""
    return _TOKEN_PATHS.search(path) is not None


def redact(text: str) -> str:
    """`text` with the secret part of every token path replaced."""
    return _TOKEN_PATHS.sub(lambda m: m["prefix"] + REDACTED, text)


class RedactTokens(logging.Filter):
    """A logging filter that rewrites the record's message and arguments; never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True
