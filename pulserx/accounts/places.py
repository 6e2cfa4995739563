"""Where a network address is, in words ("Lisbon, Portugal"), for Settings → Signed-in sessions.

Only when the operator has set up a location database: the `geoip2` package installed and
GEOIP_PATH naming a MaxMind (or DB-IP) City or Country database, or the folder holding one, as
Django's GeoIP2 reads it. Names are in the reader's language where the database has it.
Without either, and for an address the database does not place (private, loopback, unknown),
there is no place: the list shows the address alone. Addresses are never logged here.
"""

from __future__ import annotations

import ipaddress
import logging
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


# The languages GeoLite2 and GeoIP2 name places in, by PulseRx's language codes; the others
# (Italian, Arabic) read the English names.
NAME_LANGUAGES = {"de": "de", "en": "en", "es": "es", "fr": "fr", "pt-br": "pt-BR",
                  "pt_br": "pt-BR", "ja": "ja", "ru": "ru", "zh-hans": "zh-CN"}


def place_of(address: str | None) -> str | None:
    """The city and country of a public address in the active language where the database
    names them in it (else in English), or None when it cannot be told."""
    if not address or not _is_public(address):
        return None
    database = _database(str(getattr(settings, "GEOIP_PATH", "") or ""))
    if database is None:
        return None
    try:
        is_city = "City" in database.metadata().database_type
        found = database.city(address) if is_city else database.country(address)
    except Exception:  # not in the database (AddressNotFoundError), or a damaged one
        return None
    country = _name(found.country.names)
    city = _name(found.city.names) if is_city else None
    if country and city:
        # Translators: where a network address is: a city and its country, both as the
        # location database names them ("Lisbon, Portugal").
        return _("%(city)s, %(country)s") % {"city": city, "country": country}
    return country or None


def _name(names: dict[str, str]) -> str | None:
    language = NAME_LANGUAGES.get((get_language() or "en").lower(), "en")
    return names.get(language) or names.get("en")


def _is_public(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global


@lru_cache(maxsize=2)
def _database(path: str) -> Any:
    """MaxMind's reader (geoip2) of the database at `path`, or of the GeoLite2 City (else
    Country) database in the folder `path` names, as Django's GEOIP_PATH reads; opened once
    per process. None when no path is set, `geoip2` is not installed, or the path holds no
    City or Country database it can read."""
    if not path:
        return None
    try:
        import geoip2.database
    except ImportError:
        logger.warning("GEOIP_PATH is set but the geoip2 package is not installed: "
                       "signed-in sessions show no places")
        return None
    folder = Path(path)
    for candidate in (folder, folder / getattr(settings, "GEOIP_CITY", "GeoLite2-City.mmdb"),
                      folder / getattr(settings, "GEOIP_COUNTRY", "GeoLite2-Country.mmdb")):
        if candidate.is_file():
            try:
                reader = geoip2.database.Reader(str(candidate))
            except Exception:  # not a MaxMind database
                break
            kind = reader.metadata().database_type
            if "City" in kind or "Country" in kind:
                return reader
            reader.close()
            break
    logger.warning("GEOIP_PATH names no location database GeoIP2 can read: signed-in "
                   "sessions show no places")
    return None
