"""A translation catalog made for one test: `catalog("de", {msgid: msgstr})` writes and
compiles it in a temporary directory that replaces LOCALE_PATHS, so the words a test names
are translated and every other word of the project's reads English, whatever catalogs it
ships."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import NamedTuple

import pytest
from django.utils import translation
from django.utils.translation import trans_real
from pytest_django.fixtures import Settings as SettingsWrapper


class Plural(NamedTuple):
    """The key of a plural entry: `Plural(singular, plural)` → its forms, as a tuple."""

    msgid: str
    msgid_plural: str


Entries = Mapping[str | tuple[str, str] | Plural, str | tuple[str, ...]]
MakeCatalog = Callable[[str, Entries], Path]


def po_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def po_text(entries: Entries) -> str:
    """A .po file of `entries`: msgid → msgstr, (context, msgid) → msgstr, or
    Plural(msgid, msgid_plural) → (msgstr for one, msgstr for more)."""
    lines = ['msgid ""', 'msgstr ""', '"Content-Type: text/plain; charset=UTF-8\\n"',
             '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"', ""]
    for key, translated in entries.items():
        if isinstance(key, Plural):
            lines += [f"msgid {po_string(key.msgid)}",
                      f"msgid_plural {po_string(key.msgid_plural)}",
                      *(f"msgstr[{n}] {po_string(form)}" for n, form in enumerate(translated)),
                      ""]
            continue
        if isinstance(key, tuple):
            context, msgid = key
            lines.append(f"msgctxt {po_string(context)}")
        else:
            msgid = key
        assert isinstance(translated, str)
        lines += [f"msgid {po_string(msgid)}", f"msgstr {po_string(translated)}", ""]
    return "\n".join(lines)


def reset_translations() -> None:
    """Forget every loaded catalog (as Django's own `setting_changed` handler does)."""
    trans_real._translations = {}
    trans_real._default = None
    for cached in (trans_real.check_for_language, trans_real.get_languages,
                   trans_real.get_supported_language_variant):
        clear = getattr(cached, "cache_clear", None)
        if clear is not None:
            clear()
    translation.deactivate_all()
    translation.deactivate()


@pytest.fixture
def catalog(settings: SettingsWrapper, tmp_path: Path) -> Iterator[MakeCatalog]:
    """`catalog(language, entries)`: a compiled catalog of `entries` for `language` ("de",
    "pt-br"), the project's only one; returns the locale directory."""
    root = tmp_path / "locale"

    def make(language: str, entries: Entries) -> Path:
        folder = root / translation.to_locale(language) / "LC_MESSAGES"
        folder.mkdir(parents=True, exist_ok=True)
        po = folder / "django.po"
        po.write_text(po_text(entries), encoding="utf-8")
        try:
            import polib
        except ImportError:
            subprocess.run(["msgfmt", "--check-format", "-o", str(folder / "django.mo"),
                            str(po)], check=True)
        else:
            polib.pofile(str(po)).save_as_mofile(str(folder / "django.mo"))
        settings.LOCALE_PATHS = [str(root)]  # only these words: the project's stay English
        reset_translations()
        return root

    yield make
    reset_translations()
