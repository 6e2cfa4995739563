"""The catalogs stay whole: every word a template shows is marked, every marked string is in
every language's catalog, translated, not fuzzy, and with the placeholders its English has."""

from __future__ import annotations

import gettext
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils.translation import to_locale

from pulserx.catalogs import compile_catalogs

from .unmarked import unmarked

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted(p for p in (ROOT / "pulserx").rglob("templates/**/*")
                   if p.suffix in (".html", ".txt"))
LANGUAGES = [code for code, _ in settings.LANGUAGES if code != "en"]
DOMAINS = ("django", "djangojs")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|%[sdif]|\{(\w*)\}")


def catalog(language: str, domain: str) -> Path:
    return ROOT / "locale" / to_locale(language) / "LC_MESSAGES" / f"{domain}.po"


def read(path: Path) -> polib.POFile:
    assert path.is_file(), f"{path} is missing: run `make messages`"
    return polib.pofile(str(path))


def placeholders(text: str) -> set[str]:
    return {match.group(0) for match in PLACEHOLDER.finditer(text)}


def keys(entries: list[polib.POEntry]) -> set[tuple[str, str, str]]:
    return {(e.msgctxt or "", e.msgid, e.msgid_plural or "") for e in entries if not e.obsolete}


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_word_a_template_shows_is_marked(template: Path) -> None:
    assert unmarked(template.read_text(), html=template.suffix == ".html") == []


def test_the_scan_finds_a_word_left_unmarked() -> None:
    assert unmarked('<p title="Next dose">Take it</p>') == ["Next dose", "Take it"]
    assert unmarked('{% load i18n %}<p title="{% translate "Next dose" %}">'
                    '{% translate "Take it" %} {{ name }}</p>') == []
    assert unmarked("{% blocktranslate %}Take {{ n }}{% endblocktranslate %}<b>PulseRx</b>") == []
    assert unmarked("Hello {{ name }},\n", html=False) == ["Hello \x00,"]


def extract(tree: Path) -> dict[str, set[tuple[str, str, str]]]:
    """What `make messages` extracts from a copy of the sources at `tree`, by domain."""
    env = {**os.environ, "PYTHONPATH": str(tree), "PULSERX_VAR_DIR": str(tree / "var")}
    for domain in DOMAINS:
        subprocess.run(
            [sys.executable, "manage.py", "makemessages", "-l", "de", "-d", domain,
             "--no-obsolete", "-i", "var/*", "-i", "*/vendor/*"],
            cwd=tree, env=env, check=True, capture_output=True)
    found = {domain: tree / "locale/de/LC_MESSAGES" / f"{domain}.po" for domain in DOMAINS}
    return {domain: keys(polib.pofile(str(po))) if po.exists() else set()  # nothing marked
            for domain, po in found.items()}


def source_copy(into: Path) -> Path:
    shutil.copytree(ROOT / "pulserx", into / "pulserx",
                    ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    shutil.copy(ROOT / "manage.py", into)
    (into / "locale").mkdir()
    return into


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[tuple[str, str, str]]]:
    return extract(source_copy(tmp_path_factory.mktemp("sources")))


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_each_catalog_holds_exactly_the_marked_strings(
        extracted: dict[str, set[tuple[str, str, str]]], language: str, domain: str) -> None:
    held = keys(read(catalog(language, domain)))
    assert sorted(extracted[domain] - held) == [], "marked but missing: run `make messages`"
    assert sorted(held - extracted[domain]) == [], "no longer marked: run `make messages`"


def test_a_newly_marked_string_is_missed(tmp_path: Path) -> None:
    tree = source_copy(tmp_path)
    page = tree / "pulserx/web/templates/base.html"
    page.write_text(page.read_text() + '{% translate "A sentence nobody translated" %}')
    held = keys(read(catalog("de", "django")))
    assert ("", "A sentence nobody translated", "") in extract(tree)["django"] - held


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_each_catalog_is_translated_whole(language: str, domain: str) -> None:
    po = read(catalog(language, domain))
    assert [e.msgid for e in po if "fuzzy" in e.flags] == []
    assert [e.msgid for e in po.untranslated_entries()] == []
    for entry in po.translated_entries():
        english = placeholders(entry.msgid) | placeholders(entry.msgid_plural or "")
        forms = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        for form in forms:  # a new placeholder fails at run time; a lost one loses meaning
            assert placeholders(form) <= english, (entry.msgid, form)
        assert set().union(*map(placeholders, forms)) == english, (entry.msgid, forms)


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext is not installed")
@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("language", LANGUAGES)
def test_gnu_msgfmt_accepts_each_catalog(language: str, domain: str) -> None:
    checked = subprocess.run(["msgfmt", "--check", "-o", os.devnull,
                              str(catalog(language, domain))], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr


def test_catalogs_compile_once_when_new_or_changed(tmp_path: Path) -> None:
    folder = tmp_path / "de" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    shutil.copy(catalog("de", "django"), folder / "django.po")
    assert compile_catalogs(tmp_path) == [folder / "django.mo"]  # a fresh clone: none yet
    assert compile_catalogs(tmp_path) == []
    with (folder / "django.mo").open("rb") as compiled:
        german = gettext.GNUTranslations(compiled)
    assert german.pgettext("navigation", "Settings") == "Einstellungen"
    os.utime(folder / "django.po", (time.time() + 5, time.time() + 5))  # a translator's edit
    assert compile_catalogs(tmp_path) == [folder / "django.mo"]
    assert sorted(p.name for p in folder.iterdir()) == ["django.mo", "django.po"]
