"""The one rule for what people name things (medications, tokens) and the short texts beside
them (strength, instructions): no control characters at all, NUL included (PostgreSQL cannot
store it, and a calendar, an email subject or a push title must not carry one), and a name has
at least one visible character. Every way in checks it: the API's schemas (as patterns, so the
OpenAPI document states it), the pages' forms, and the FHIR import."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

TEXT_PATTERN = r"^[^\x00-\x1f\x7f]*$"
NAME_PATTERN = r"^[^\x00-\x1f\x7f]*[^\x00-\x1f\x7f\s][^\x00-\x1f\x7f]*$"
_TEXT = re.compile(TEXT_PATTERN)
_NAME = re.compile(NAME_PATTERN)
CONTROL_MESSAGE = "must not contain control characters (such as NUL, tab or line breaks)"


def text_problem(value: str) -> str | None:
    """What breaks the rule for short text, or None."""
    return None if _TEXT.match(value) else CONTROL_MESSAGE


def name_problem(value: str) -> str | None:
    """What breaks the rule for a name, or None."""
    if not _TEXT.match(value):
        return CONTROL_MESSAGE
    return None if _NAME.match(value) else "needs at least one visible character"


def validate_name(value: str) -> None:
    if problem := name_problem(value):
        raise ValidationError(f"The name {problem}.", code="invalid")


def validate_text(value: str) -> None:
    if problem := text_problem(value):
        raise ValidationError(f"This {problem}.", code="invalid")
