"""Finds the words of a template that reach the reader without passing through a translation:
text between tags and the text of the attributes people read or hear (title, aria-label,
placeholder, alt), outside `{% translate %}`, `{% blocktranslate %}` and comments."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from django.template.base import Lexer, TokenType

SPOKEN_ATTRIBUTES = {"title", "aria-label", "aria-description", "placeholder", "alt"}
SKIPPED_BLOCKS = {"blocktranslate": "endblocktranslate", "blocktrans": "endblocktrans",
                  "comment": "endcomment", "verbatim": "endverbatim"}
WORD = re.compile(r"[^\W\d_]{2,}")
# Names that are the same in every language.
NOT_WORDS = {"PulseRx", "FHIR", "iCal", "CSV", "PDF", "JSON", "API", "UTC", "QR", "OpenAPI"}
VALUE = "\x00"  # where a template variable's value stands


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skipping += 1
        self.found += [value for name, value in attrs
                       if name in SPOKEN_ATTRIBUTES and value is not None]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skipping:
            self._skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.found.append(data)


def readable_text(source: str) -> str:
    """The template's text with every tag's work removed and each value a placeholder."""
    parts, until = [], None
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents else ""
            if until is None and name in SKIPPED_BLOCKS:
                until = SKIPPED_BLOCKS[name]
            elif name == until:
                until = None
        elif until is None and token.token_type == TokenType.TEXT:
            parts.append(token.contents)
        elif until is None and token.token_type == TokenType.VAR:
            parts.append(VALUE)
    return "".join(parts)


def unmarked(source: str, *, html: bool = True) -> list[str]:
    """The stretches of readable words in `source` that are not marked for translation."""
    text = readable_text(source)
    if html:
        collector = _Collector()
        collector.feed(text)
        collector.close()
        pieces = collector.found
    else:
        pieces = text.splitlines()
    return [piece.strip() for piece in pieces
            if any(word not in NOT_WORDS for word in WORD.findall(piece))]
