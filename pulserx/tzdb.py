"""One tz database in every PulseRx process: the newest of the pinned `tzdata` package and
the host's zoneinfo directory (the package, unless the host is newer).

Python's `zoneinfo` reads the host's files first and the package only as a fallback, so two
machines with the same lock file could fire the same dose an hour apart. `use_newest()` runs
when the `pulserx` package is imported (web, worker, management commands and tests alike),
before any zone is loaded, and points `zoneinfo` at the chosen source; child processes get
it through PYTHONTZPATH as well. Pure: no Django import.
"""

from __future__ import annotations

import os
import re
import zoneinfo
from dataclasses import dataclass
from pathlib import Path

import tzdata

_VERSION_LINE = re.compile(r"#\s*version\s+(\d{4})([a-z]+)")


@dataclass(frozen=True)
class TzDatabase:
    version: str  # IANA release, e.g. 2026f
    source: str   # "tzdata package" or the host directory used


def version_key(version: str) -> tuple[int, int, str]:
    """Order IANA releases: 2025b < 2025z < 2026a (letters run a..z, then aa…)."""
    match = re.fullmatch(r"(\d{4})([a-z]+)", version)
    if match is None:
        return (0, 0, "")
    return int(match.group(1)), len(match.group(2)), match.group(2)


def host_database(paths: tuple[str, ...]) -> TzDatabase | None:
    """The first host zoneinfo directory that says which release it is (tzdata.zi)."""
    for directory in paths:
        try:
            first = (Path(directory) / "tzdata.zi").read_text().split("\n", 1)[0]
        except OSError:
            continue
        if match := _VERSION_LINE.match(first):
            return TzDatabase(version=match.group(1) + match.group(2), source=directory)
    return None


def package_database() -> TzDatabase:
    return TzDatabase(version=tzdata.IANA_VERSION, source="tzdata package")


def choose(host: TzDatabase | None, package: TzDatabase) -> TzDatabase:
    if host is not None and version_key(host.version) > version_key(package.version):
        return host
    return package


_HOST_PATHS = tuple(zoneinfo.TZPATH)
_chosen: TzDatabase | None = None


def use_newest() -> TzDatabase:
    """Point zoneinfo at the newest database; idempotent."""
    global _chosen
    if _chosen is None:
        _chosen = choose(host_database(_HOST_PATHS), package_database())
        path = [] if _chosen.source == "tzdata package" else [_chosen.source]
        zoneinfo.reset_tzpath(to=path)
        zoneinfo.ZoneInfo.clear_cache()
        os.environ["PYTHONTZPATH"] = os.pathsep.join(path)
    return _chosen


def in_use() -> TzDatabase:
    return use_newest()
