"""The C heap under glibc: how many malloc arenas threads share, and handing free pages back
to the system. Python frees big objects to malloc, which keeps their pages; the worker after
a busy tick and the web process after a heavy request give them back."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from typing import Any


def _glibc() -> Any:
    """The C library when it is glibc (it has malloc_trim and mallopt), else None."""
    name = ctypes.util.find_library("c")
    libc = ctypes.CDLL(name) if name else None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


_GLIBC = _glibc()
_M_ARENA_MAX = -8  # mallopt's parameter number in glibc's malloc.h


def limit_malloc_arenas(arenas: int = 2) -> None:
    """At most `arenas` glibc malloc arenas for all the threads, as MALLOC_ARENA_MAX would
    (unless the environment already chose). Call before the threads start."""
    if _GLIBC is not None and os.environ.get("MALLOC_ARENA_MAX") is None:
        _GLIBC.mallopt(_M_ARENA_MAX, arenas)


def release_free_memory() -> None:
    """Hand the C heap's free pages back to the system (glibc's malloc_trim; elsewhere
    nothing). A burst's batches free their rows when they finish, but the allocator keeps
    the pages: without this the worker's RSS stays at its peak, and the next burst or the
    Web Push stack is stacked on top of it."""
    if _GLIBC is not None:
        _GLIBC.malloc_trim(0)
