"""The README's configuration table lists every variable the settings read."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READERS = r'(?:env_str|env_bool|env_int|env_list|env_duration|os\.environ\.get)\(\s*"([A-Z_]+)"'


def test_every_setting_read_from_the_environment_is_documented():
    read = set(re.findall(READERS, (ROOT / "pulserx/settings.py").read_text()))
    documented = set(re.findall(r"`([A-Z][A-Z_]+)`", (ROOT / "README.md").read_text()))
    assert read, "the settings read no variable?"
    assert read - documented == set()
