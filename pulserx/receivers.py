"""Signal receivers named by dotted path and imported when their signal is first sent.

Every process runs every app's `ready()`, the worker included. A receiver imported there
brings its module's imports along (views, forms, mail, sign-in bookkeeping), and the worker,
which never signs anyone in, would carry them for good. Connected by path, a receiver's
module is loaded by the first process that sends its signal, and only by that one.
"""

from __future__ import annotations

from typing import Any

from django.dispatch import Signal
from django.utils.module_loading import import_string


def connect_by_path(signal: Signal, path: str, dispatch_uid: str) -> None:
    """Connect the function at `path` ("package.module.function") to `signal`."""

    def receive(sender: Any, **kwargs: Any) -> Any:
        return import_string(path)(sender=sender, **kwargs)

    receive.__qualname__ = f"connect_by_path({path})"
    signal.connect(receive, weak=False, dispatch_uid=dispatch_uid)
