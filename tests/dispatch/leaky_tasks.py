"""A task that leaks on purpose, imported only by the memory-guard test's worker."""

from __future__ import annotations

from celery import shared_task

_hoard: list[bytes] = []


@shared_task(ignore_result=True)
def hoard_memory(megabytes: int) -> None:
    # bytes(n) is lazily zeroed by the kernel; fill it so the pages are really resident.
    _hoard.append(b"\x01" * (megabytes * 1_048_576))
