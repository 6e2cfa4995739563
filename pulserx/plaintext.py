"""The one rule for what people name things (medications, tokens) and the short texts beside
them (strength, instructions): no control characters at all, NUL included (PostgreSQL cannot
store it, and a calendar, an email subject or a push title must not carry one), and a name has
at least one visible character. Every way in checks it: the API's schemas (as patterns, so the
OpenAPI document states it), the pages' forms, and the FHIR import."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

TEXT_PATTERN = r"^[^\x00-\x1f\x7f]*$"
NAME_PATTERN = r"^[^\x00-\x1f\x7f]*[^\x00-\x1f\x7f\s][^\x00-\x1f\x7f]*$"
_TEXT = re.compile(TEXT_PATTERN)
_NAME = re.compile(NAME_PATTERN)


def control_characters() -> str:
    # Translators: what is wrong with a name or a short text, said after it ("The name
    # must not contain…").
    return _("must not contain control characters (such as NUL, tab or line breaks)")


def text_problem(value: str) -> str | None:
    """What breaks the rule for short text (in the reader's language), or None."""
    return None if _TEXT.match(value) else control_characters()


def name_problem(value: str) -> str | None:
    """What breaks the rule for a name (in the reader's language), or None."""
    if not _TEXT.match(value):
        return control_characters()
    # Translators: what is wrong with a name, said after it ("The name needs…").
    return None if _NAME.match(value) else _("needs at least one visible character")


def validate_name(value: str) -> None:
    if problem := name_problem(value):
        # Translators: %(problem)s says what is wrong with the name ("needs at least one
        # visible character").
        raise ValidationError(_("The name %(problem)s."), code="invalid",
                              params={"problem": problem})


def validate_text(value: str) -> None:
    if problem := text_problem(value):
        # Translators: "this" is a short text typed in a form (a strength, instructions);
        # %(problem)s says what is wrong with it ("must not contain control characters…").
        raise ValidationError(_("This %(problem)s."), code="invalid",
                              params={"problem": problem})
