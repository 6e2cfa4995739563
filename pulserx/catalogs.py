"""The translation catalogs: `locale/<lang>/LC_MESSAGES/*.po` are the source (edited by
translators, e.g. in Weblate); the `.mo` files Django reads are compiled from them when a
process starts and a catalog is new or changed, in pure Python, so a fresh clone and a host
without GNU gettext speak every language on their first start."""

from __future__ import annotations

import os
from pathlib import Path


def compile_catalogs(root: Path) -> list[Path]:
    """Compile each `.po` under `root` whose `.mo` is missing or older; the compiled paths.
    Written beside a temporary name and renamed, so processes starting together never read
    half a file."""
    compiled = []
    for po in sorted(root.glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        # Imported only when a catalog needs compiling: a process that finds them compiled
        # (the worker, at every start but the first) never loads it.
        import polib

        partial = mo.with_name(f".{mo.name}.{os.getpid()}")
        polib.pofile(str(po)).save_as_mofile(str(partial))
        os.replace(partial, mo)
        compiled.append(mo)
    return compiled
