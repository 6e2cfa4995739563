"""Outbound HTTP for channels, guarded: imported only by the code that sends a channel
message, never by the dispatcher (it brings requests and urllib3 with it).

Inside `guarded()`, in this context only (a context variable: Apprise runs a send on a
thread of its own pool and carries the caller's context there):
- every connection urllib3 opens goes to an address `addresses.connectable` checked when
  the connection is made (no loopback, private or link-local address unless the operator
  allowed the host; the socket connects to the very address that was checked);
- requests follows no redirect: a 3xx answer is the answer;
- each answer's status (and the service's short explanation, for *Send a test*) and each
  refused or failed connection is recorded, so a failure has a reason a person can act on.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3.util.connection

from pulserx.notifications.channels import addresses

_threads = threading.local()
_generation = [0]
_original_create_connection = urllib3.util.connection.create_connection
_original_send = requests.Session.send
# The keys in which the services this file's callers use explain a refusal.
_EXPLANATION_KEYS = ("description", "error", "errorDescription", "message", "errors")


@dataclass
class Outcome:
    """What the guarded requests met: answers (status, explanation) and connection errors."""

    answers: list[tuple[int, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # The ids the services gave what was sent (a Matrix event id, a Twilio message SID).
    message_ids: list[str] = field(default_factory=list)
    # JSON fields to add to a request whose path ends with the key: what a service takes
    # and Apprise has no parameter for (Telegram's reply_markup).
    json_additions: dict[str, dict[str, Any]] = field(default_factory=dict)


_current: contextvars.ContextVar[Outcome | None] = contextvars.ContextVar(
    "pulserx_outbound", default=None)


def _outcome() -> Outcome | None:
    return _current.get()


@contextlib.contextmanager
def guarded(json_additions: dict[str, dict[str, Any]] | None = None) -> Iterator[Outcome]:
    outcome = Outcome(json_additions=json_additions or {})
    token = _current.set(outcome)
    try:
        yield outcome
    finally:
        _current.reset(token)


def _create_connection(address: tuple[str, int], timeout: Any = None,
                       source_address: tuple[str, int] | None = None,
                       socket_options: Any = None) -> socket.socket:
    outcome = _outcome()
    if outcome is None:
        return _original_create_connection(address, timeout, source_address, socket_options)
    host, port = address
    seconds = timeout if isinstance(timeout, int | float) else socket.getdefaulttimeout()
    try:
        sock = addresses.connect(host, port, seconds, source_address)
    except addresses.AddressRefused as error:
        outcome.errors.append(str(error))
        raise
    except OSError as error:
        outcome.errors.append(f"{host} could not be reached ({type(error).__name__})")
        raise
    for option in socket_options or ():
        sock.setsockopt(*option)
    return sock


def _send(self: requests.Session, request: requests.PreparedRequest,
          **kwargs: Any) -> requests.Response:
    outcome = _outcome()
    if outcome is None:
        return _original_send(self, request, **kwargs)
    kwargs["allow_redirects"] = False
    add_json(request, outcome.json_additions)
    pooled = _pooled_session()
    try:
        response = _original_send(pooled, request, **kwargs)
    except requests.RequestException as error:
        if not outcome.errors:  # a refused address has said why already
            outcome.errors.append(failed_request(request, error))
        raise
    finally:
        pooled.cookies.clear()  # nothing one channel's server set may reach another's
    outcome.answers.append((response.status_code, explanation(response)))
    if sent_id := message_id(response):
        outcome.message_ids.append(sent_id)
    return response


def _pooled_session() -> requests.Session:
    """This thread's session, whose connections stay open between messages: Apprise makes
    a new session for every request, and a TLS handshake per message to the same service
    (api.telegram.org) costs more than the message. A kept connection was checked when it
    was made, like any other."""
    session: requests.Session | None = getattr(_threads, "session", None)
    if session is None or getattr(_threads, "generation", None) != _generation[0]:
        if session is not None:
            session.close()
        session = _threads.session = requests.Session()
        _threads.generation = _generation[0]
    return session


def forget_connections() -> None:
    """Every thread opens new connections from its next request on (tests: a name that
    resolved to one loopback server now resolves to another)."""
    _generation[0] += 1


def add_json(request: requests.PreparedRequest, additions: dict[str, dict[str, Any]]) -> None:
    path = urlsplit(request.url or "").path
    for suffix, fields in additions.items():
        if path.endswith(suffix) and isinstance(request.body, bytes | str):
            data = json.loads(request.body)
            if isinstance(data, dict):
                request.prepare_body(data=json.dumps({**data, **fields}).encode(), files=None)


def failed_request(request: requests.PreparedRequest, error: Exception) -> str:
    host = urlsplit(request.url or "").hostname or "the server"
    if isinstance(error, requests.exceptions.SSLError):
        return f"{host}'s certificate could not be verified"
    if isinstance(error, requests.exceptions.Timeout):
        return f"{host} did not answer in time"
    return f"{host} could not be reached ({type(error).__name__})"


# The keys under which the services name what they accepted: Matrix's send answers
# {"event_id": …}, Twilio's Messages resource {"sid": …}.
_ID_KEYS = ("event_id", "sid")


def json_answer(response: requests.Response) -> object:
    """The answer's JSON, read from its first 4 KB only; None when it is not JSON."""
    try:
        return json.loads(response.content[:4096])
    except (ValueError, UnicodeDecodeError):
        return None


def message_id(response: requests.Response) -> str:
    """The id a service gave the message it accepted, "" when it names none."""
    data = json_answer(response) if 200 <= response.status_code < 300 else None
    if isinstance(data, dict):
        for key in _ID_KEYS:
            value = data.get(key)
            if isinstance(value, str) and 0 < len(value) <= 255:
                return value
    return ""


def explanation(response: requests.Response) -> str:
    """A service's own short words for a refusal ("Bad Request: chat not found")."""
    data = json_answer(response) if response.status_code >= 400 else None
    if isinstance(data, dict):
        for key in _EXPLANATION_KEYS:
            value = data.get(key)
            if isinstance(value, list):
                value = "; ".join(str(v) for v in value[:3])
            if isinstance(value, str) and value:
                return value[:160]
    return ""


# Installed once, when the first module that sends a channel message imports this one;
# outside `guarded()` both behave exactly as before.
urllib3.util.connection.create_connection = _create_connection  # type: ignore[assignment]
requests.Session.send = _send  # type: ignore[method-assign]
