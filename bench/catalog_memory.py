"""What speaking every language costs the worker's memory: `python -m bench.catalog_memory`.

A fresh worker-like process (Django set up, the renderer imported) words a message in
English only, then beside it another fresh process words one in each of the languages
PulseRx speaks, which loads every catalog (PulseRx's and Django's own) the way a burst for
readers of all languages does.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench.harness import splice

REPORT = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"

PROBE = """
import os, django, psutil
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pulserx.settings")
django.setup()
from django.conf import settings
from django.utils import translation
import pulserx.notifications.render
rss = lambda: psutil.Process().memory_info().rss / 2**20
base = rss()
for language in {languages}:
    with translation.override(language):
        translation.ngettext("%(count)s dose", "%(count)s doses", 2)
print(f"{{rss() - base:.2f}}")
"""


def rss_cost(languages: str) -> float:
    result = subprocess.run([sys.executable, "-c", PROBE.format(languages=languages)],
                            capture_output=True, text=True, check=True)
    return float(result.stdout.strip().splitlines()[-1])


def main() -> None:
    english = rss_cost('["en"]')
    every = rss_cost("[code for code, _ in settings.LANGUAGES]")
    lines = [f"worker RSS added by wording a message in English: {english:.1f} MB",
             f"worker RSS added by wording one in each of the 7 languages: {every:.1f} MB "
             f"(+{every - english:.1f} MB for the six catalogs beside English)"]
    print("\n".join(lines))
    splice(REPORT, ["<!-- catalogs -->", "## The worker's languages", "",
                    "Each figure from a fresh process with Django set up and the renderer "
                    "imported; catalogs are loaded the first time a reader of that language "
                    "is written to, and kept.", "",
                    *(f"- {line}" for line in lines), "",
                    "Measured with `python -m bench.catalog_memory`.", "<!-- /catalogs -->"])


if __name__ == "__main__":
    main()
