"""Where a network address is, in words ("Lisbon, Portugal"), for Settings → Signed-in sessions.

Only when the operator has set up Django's GeoIP2: the `geoip2` package installed and GEOIP_PATH
naming a MaxMind (or DB-IP) City or Country database. Without either, and for an address the
database does not place (private, loopback, unknown), there is no place: the list shows the
address alone. Addresses are never logged here.
"""

from __future__ import annotations

import ipaddress
import logging
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


def place_of(address: str | None) -> str | None:
    """The city and country of a public address, or None when it cannot be told."""
    if not address or not _is_public(address):
        return None
    database = _database(str(getattr(settings, "GEOIP_PATH", "") or ""))
    if database is None:
        return None
    try:
        found = database.city(address) if database.is_city else database.country(address)
    except Exception:  # not in the database (AddressNotFoundError), or a damaged one
        return None
    country, city = found.get("country_name"), found.get("city")
    if country and city:
        # Translators: where a network address is: a city and its country, both as the
        # location database names them ("Lisbon, Portugal").
        return _("%(city)s, %(country)s") % {"city": city, "country": country}
    return country or None


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
    """Django's GeoIP2 reader of the database at `path`, opened once per process; None when
    no path is set, `geoip2` is not installed, or the path holds no database it can read."""
    if not path:
        return None
    try:
        from django.contrib.gis.geoip2 import GeoIP2
    except ImportError:
        logger.warning("GEOIP_PATH is set but the geoip2 package is not installed: "
                       "signed-in sessions show no places")
        return None
    try:
        return GeoIP2(path)
    except Exception:  # GeoIP2Exception, or a file that is not a database
        logger.warning("GEOIP_PATH names no location database GeoIP2 can read: signed-in "
                       "sessions show no places")
        return None
