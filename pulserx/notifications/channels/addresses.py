"""Which addresses a channel may reach: the same rules as Web Push, for servers users name.

A user types a server's address (their ntfy, Gotify or Matrix server, a webhook); without a
check anyone signed in could make the worker send requests to the machines around it
(a database on 10.0.0.5, cloud metadata on 169.254.169.254). So:

- the address is read once, by `urllib.parse` (`server_url`), and refused unless it is
  plain http(s) with a host, no user info and no fragment;
- the host is resolved when the connection is made, and every address it resolves to must
  be public (`connectable`): loopback, private, link-local, shared, reserved and multicast
  addresses, an IPv4 address inside IPv6 included, are refused unless PULSERX_CHANNEL_HOSTS
  names the host (or its address or network). The socket connects to the address that was
  checked, so a name cannot resolve to something else in between (DNS rebinding);
- no redirect is followed (pulserx.notifications.transports.outbound).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from typing import NamedTuple
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

# Printable ASCII without backslash or whitespace: anything else is read differently by
# different URL parsers.
_SAFE_URL = re.compile(r"^[!-\[\]-~]+$")
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
SockAddr = tuple[int, tuple[str, int] | tuple[str, int, int, int]]


class AddressRefused(OSError):
    """A channel's server is not one PulseRx may connect to; the message says why."""


class ServerURL(NamedTuple):
    scheme: str
    host: str  # lower case, IPv6 literals without brackets
    port: int | None
    path: str  # without a trailing slash

    @property
    def secure(self) -> bool:
        return self.scheme in ("https", "mqtts")


# The whole form of a server address, published as the pattern of every server field of the
# API's schema and checked last by `server_url`, so that what the schema accepts and what
# PulseRx accepts are the same: scheme://host[:port][/path], the host a DNS name, a dotted
# IPv4 address or a bracketed IPv6 address (an IP address is then judged by
# `refuse_local_literal`, by the operator's PULSERX_CHANNEL_HOSTS).
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_H16 = r"[0-9A-Fa-f]{1,4}"
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_IPV4 = rf"{_OCTET}(?:\.{_OCTET}){{3}}"
_IPV6 = "|".join((
    rf"(?:{_H16}:){{7}}{_H16}", rf"(?:{_H16}:){{1,7}}:",
    *(rf"(?:{_H16}:){{1,{n}}}(?::{_H16}){{1,{7 - n}}}" for n in range(6, 0, -1)),
    rf":(?::{_H16}){{1,7}}", "::", rf"::(?:[Ff]{{4}}:)?{_IPV4}",
))
_PORT = (r"(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]"
         r"|6553[0-5])")
_PATH = r"(?:/[A-Za-z0-9._~!$&'()*+,;=:@%-]*)*"
MAX_SERVER_URL = 300


def server_pattern(schemes: tuple[str, str] = ("https", "http"), path: bool = True) -> str:
    """The regular expression a whole server address matches (`path`: it may have one)."""
    host = rf"(?:{_LABEL}(?:\.{_LABEL})*|\[(?:{_IPV6})\])"
    return (rf"(?:{schemes[0]}|{schemes[1]})://{host}(?::{_PORT})?"
            + (_PATH if path else "/?"))


def server_url(text: str, schemes: tuple[str, str] = ("https", "http"),
               path: bool = True) -> ServerURL:
    """The parts of a server address a user typed; ValueError with the reason otherwise.
    `schemes`: the secure scheme, then the plain one; `path`: whether it may have a path."""
    if not text or len(text) > MAX_SERVER_URL or not _SAFE_URL.match(text):
        # Translators: %(scheme)s is "https" (or "mqtts"): keep the address as it is.
        raise ValueError(_("Enter the server's address, e.g. %(scheme)s://server.example.org")
                         % {"scheme": schemes[0]})
    try:
        url = urlsplit(text)
    except ValueError:
        raise ValueError(_("The address's host is not a name or an IP address")) from None
    if url.scheme not in schemes or not url.hostname:
        raise ValueError(_("The address must start with %(secure)s:// (or %(plain)s://) and "
                           "name a host") % {"secure": schemes[0], "plain": schemes[1]})
    if "@" in url.netloc or url.fragment or url.query:
        raise ValueError(_("The address must not contain a user name, a query or a fragment"))
    try:
        port = url.port
    except ValueError:
        raise ValueError(_("The address's port is not a number from 1 to 65535")) from None
    if not path and url.path.strip("/"):
        raise ValueError(_("give the server's address without a path"))
    if not re.fullmatch(server_pattern(schemes, path), text):
        raise ValueError(_("Enter the address as %(scheme)s://host, with a port if needed (host: "
                           "a name such as server.example.org, or an IP address)")
                         % {"scheme": schemes[0]})
    parts = ServerURL(url.scheme, url.hostname.lower(), port, url.path.rstrip("/"))
    refuse_local_literal(parts.host)
    return parts


def refuse_local_literal(host: str) -> None:
    """An IP address typed as the host is judged at once (a name, when connecting)."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return
    if not address_is_allowed(address):
        raise ValueError(_("%(host)s is a local or private address PulseRx does not connect to "
                           "(an operator can allow it with PULSERX_CHANNEL_HOSTS)")
                         % {"host": host})


LOCAL = ("a local or private address PulseRx does not connect to "
         "(an operator can allow it with PULSERX_CHANNEL_HOSTS)")


def _entries() -> tuple[set[str], list[ipaddress.IPv4Network | ipaddress.IPv6Network]]:
    names: set[str] = set()
    networks = []
    for entry in settings.PULSERX_CHANNEL_HOSTS:
        entry = entry.strip().lower()
        try:
            networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
        except ValueError:
            names.add(entry)
    return names, networks


def host_is_allowed(host: str) -> bool:
    """The operator allowed this host name to be anywhere (PULSERX_CHANNEL_HOSTS)."""
    names, _ = _entries()
    host = host.lower().rstrip(".")
    return host in names or any(n.startswith(".") and host.endswith(n) for n in names)


def embedded_ipv4(address: IPAddress) -> IPAddress:
    """The IPv4 address an IPv6 address carries (::ffff:a.b.c.d, 6to4, Teredo), else itself."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = address.ipv4_mapped or address.sixtofour
        if inner is None and address.teredo is not None:
            inner = address.teredo[1]
        if inner is not None:
            return inner
    return address


def is_public(address: IPAddress) -> bool:
    address = embedded_ipv4(address)
    return address.is_global and not (address.is_multicast or address.is_reserved
                                      or address.is_unspecified)


def address_is_allowed(address: IPAddress) -> bool:
    _, networks = _entries()
    inner = embedded_ipv4(address)
    return is_public(address) or any(
        a.version == n.version and a in n for n in networks for a in {address, inner})


def resolve(host: str, port: int) -> list[SockAddr]:
    """(family, socket address) for each address of `host`: the tests' seam for DNS."""
    return [(family, sockaddr[:4] if family == socket.AF_INET6 else sockaddr[:2])  # type: ignore[misc]
            for family, _, _, _, sockaddr in socket.getaddrinfo(
                host, port, type=socket.SOCK_STREAM)]


def connectable(host: str, port: int) -> list[SockAddr]:
    """The addresses of `host` PulseRx may connect to, checked now; AddressRefused when
    there are none (the reason names the first address refused)."""
    try:
        resolved = resolve(host.strip("[]"), port)
    except (socket.gaierror, UnicodeError) as error:
        raise AddressRefused(f"the host {host} could not be found ({error})") from None
    if host_is_allowed(host.strip("[]")):
        return resolved
    allowed = [item for item in resolved
               if address_is_allowed(ipaddress.ip_address(item[1][0].split("%", 1)[0]))]
    if not allowed:
        first = resolved[0][1][0] if resolved else "nothing"
        raise AddressRefused(f"{host} is at {first}, {LOCAL}")
    return allowed


def connect(host: str, port: int, timeout: float | None,
            source_address: tuple[str, int] | None = None) -> socket.socket:
    """A TCP connection to a checked address of `host` (the first that answers)."""
    last: OSError | None = None
    for family, sockaddr in connectable(host, port):
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            if timeout is not None:
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
            return sock
        except OSError as error:
            sock.close()
            last = error
    assert last is not None
    raise last
