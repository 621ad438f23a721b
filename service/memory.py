"""Keep a long-running server's heap near what it uses (glibc only).

glibc's malloc keeps the memory of a transient peak (a burst of scans, a bulk import) as free
space in its heaps, and the process's RSS stays at the peak even when Python itself holds no
more than at the start. ``malloc_trim(0)`` hands that free space back to the OS. Elsewhere
(musl, macOS) there is nothing to call and nothing runs.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import threading
from collections.abc import Callable

from service.config import Settings

log = logging.getLogger(__name__)


# glibc's mallopt parameter numbers (malloc.h)
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8


def _libc_function(name: str) -> Callable[..., int] | None:
    library = ctypes.util.find_library("c")
    if library is None:
        return None
    try:
        function: Callable[..., int] = getattr(ctypes.CDLL(library), name)
    except (OSError, AttributeError):
        return None
    return function


def load_malloc_trim() -> Callable[[int], int] | None:
    return _libc_function("malloc_trim")


def limit_malloc_arenas(arenas: int) -> bool:
    """Let glibc create at most ``arenas`` heaps (its default: 8 per core).

    Each of the server's ~40 threads would otherwise get a heap of its own as soon as two
    allocate at once, and every heap keeps its own high-water mark of free memory. Call it
    before the threads start; True when the C library took it."""
    return _mallopt(M_ARENA_MAX, arenas)


def fix_mmap_threshold(size: int) -> bool:
    """Give every allocation of ``size`` bytes or more its own mapping, returned to the OS as
    soon as it is freed.

    glibc's default threshold starts at 128 KiB but rises to the size of any mapped block
    freed (up to 32 MiB), so after the first large response body every later one is carved
    out of a heap, whose free space then stays resident at the peak. Setting it fixes it.
    True when the C library took it."""
    return _mallopt(M_MMAP_THRESHOLD, size)


def _mallopt(parameter: int, value: int) -> bool:
    mallopt = _libc_function("mallopt")
    return mallopt is not None and mallopt(parameter, value) == 1


def trim_forever(stop: threading.Event, every_s: float) -> None:
    """Call ``malloc_trim(0)`` every ``every_s`` seconds until ``stop`` is set."""
    trim = load_malloc_trim()
    if trim is None:
        log.info("malloc_trim is not available here; freed memory stays with the allocator")
        return
    while not stop.wait(every_s):
        trim(0)


def manage_heap(settings: Settings, stop: threading.Event) -> None:
    """Apply the ``LOTPROOF_MALLOC_*`` settings to this process (a server or the worker) and
    trim until ``stop`` is set. Call it before starting other threads."""
    if settings.malloc_arenas > 0:
        limit_malloc_arenas(settings.malloc_arenas)
    if settings.malloc_mmap_threshold > 0:
        fix_mmap_threshold(settings.malloc_mmap_threshold)
    if settings.malloc_trim_every_s > 0:
        threading.Thread(
            target=trim_forever,
            args=(stop, settings.malloc_trim_every_s),
            name="malloc-trim",
            daemon=True,
        ).start()
