"""A time of day in the reader's words, and back: "8:00 PM" on a 12-hour clock, "20:00" on a
24-hour one. Every page, channel, export and form goes through these two functions, so a
reader sees the same time written the same way everywhere. No Django import.

The 12-hour clock is the one English as written in the United States uses (and English
without a region, which CLDR reads as US English) and a few other regions of English that
CLDR writes with "h:mm a"; every other language's default is the 24-hour clock. A reader's
explicit choice in Settings overrides the language's default (`accounts.models.User`).

`ACCEPTED` stays English here (it is a ValueError's message); it is marked for the catalogue,
and a page says it in the reader's language with `clock_format.accepted_formats`.
"""

from __future__ import annotations

import re
from datetime import datetime, time

TWELVE_HOUR_LANGUAGES = frozenset({"en", "en-us", "en-ca", "en-au", "en-nz", "en-ph", "en-in"})



def gettext_noop(message: str) -> str:
    """Marks `message` for the translation catalogue without translating it (the name is
    the one Django's makemessages looks for)."""
    return message


# Translators: the ways a time of day may be typed; keep the examples as they are written in
# your language's forms if they are accepted (20:00, 8:00 PM…).
ACCEPTED = gettext_noop("Write a time as 20:00, 8:00 PM, 8:30 pm, 8 pm or 8pm.")

_TIME = re.compile(
    r"^(?:(?P<hour>\d{1,2})(?:\s*[:.h]\s*(?P<minute>\d{2})(?::00)?)?"
    r"|(?P<compact_hour>\d{1,2})(?P<compact_minute>\d{2}))"
    r"\s*(?P<half>[ap]\.?\s*m?\.?)?$",
    re.IGNORECASE,
)


def time_text(wall: time | datetime, twelve_hour: bool,
              halves: tuple[str, str] = ("AM", "PM")) -> str:
    """`wall` (a local time, or a datetime already on the clock to show) as the reader writes
    it: "8:05 PM", "12:00 AM" (midnight), "12:30 PM" (half past noon); or "20:05". `halves`
    names the two halves of the day in the reader's language."""
    hour, minute = wall.hour, wall.minute
    if not twelve_hour:
        return f"{hour:02d}:{minute:02d}"
    half = halves[0] if hour < 12 else halves[1]
    return f"{(hour % 12) or 12}:{minute:02d} {half}"


def parse_time(text: str, halves: tuple[str, str] = ("AM", "PM")) -> time:
    """A time of day as a person types it, on either clock: "20:00", "8:00 PM", "8 pm",
    "8pm", "8:00pm", "8.30 p.m.", "20.00", "20h30", "08:00", "0800", "08:00:00"; and with
    `halves`, the reader's names of the two halves of the day as `time_text` writes them
    ("8:00 nachm."), in any case. ValueError (its message names the accepted forms) for
    anything else, such as "13 pm", "24:00" or "8:60"."""
    text, half = split_half(text.strip(), halves)
    match = _TIME.match(text)
    if match is None:
        raise ValueError(ACCEPTED)
    hour = int(match["hour"] or match["compact_hour"])
    minutes = match["minute"] or match["compact_minute"]
    minute = int(minutes or 0)
    if match["half"] is not None:
        if half is not None:
            raise ValueError(ACCEPTED)  # two halves: "8 pm nachm."
        half = match["half"][0].lower()
    if half is None and minutes is None:
        raise ValueError(ACCEPTED)  # "8" alone: morning or evening?
    if half is not None:
        if not 1 <= hour <= 12:
            raise ValueError(ACCEPTED)
        hour = hour % 12 + (12 if half == "p" else 0)
    if hour > 23 or minute > 59:
        raise ValueError(ACCEPTED)
    return time(hour, minute)


def split_half(text: str, halves: tuple[str, str]) -> tuple[str, str | None]:
    """`text` without a name from `halves` (before noon, after noon) at its end, and "a" or
    "p" for the half it named; `text` and None when it ends with neither."""
    lowered = text.lower()
    for name, half in zip(halves, ("a", "p"), strict=True):
        name = name.strip().lower()
        if name and lowered.endswith(name) and len(lowered) > len(name):
            return text[:len(text) - len(name)].rstrip(), half
    return text, None


def language_writes_twelve_hour(accept_language: str) -> bool:
    """Whether the first language of an Accept-Language header ("en-US,en;q=0.9") writes
    times on the 12-hour clock. An empty or unreadable header: no (24-hour)."""
    first = accept_language.split(",", 1)[0].split(";", 1)[0].strip().lower().replace("_", "-")
    return first in TWELVE_HOUR_LANGUAGES
