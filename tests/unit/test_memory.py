"""How long-running processes manage their heap: malloc_trim, arenas, mmap threshold
(service/memory.py)."""

from __future__ import annotations

import ctypes
import ctypes.util
import platform
import threading
import time

import pytest

from service.config import Settings
from service.memory import (
    limit_malloc_arenas,
    load_malloc_trim,
    manage_heap,
    trim_forever,
)


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")
def test_glibc_gives_its_malloc_trim() -> None:
    trim = load_malloc_trim()
    assert trim is not None
    assert trim(0) in (0, 1)  # 1: memory was released, 0: there was none to release


def test_the_heap_settings_start_a_trimming_thread_that_stops_when_told() -> None:
    before = {t.name for t in threading.enumerate()}
    stop = threading.Event()
    manage_heap(Settings(env="dev", malloc_trim_every_s=0.01), stop)
    trimming = [t for t in threading.enumerate() if t.name == "malloc-trim"]
    assert "malloc-trim" not in before and len(trimming) == (load_malloc_trim() is not None)
    stop.set()
    for thread in trimming:
        thread.join(timeout=1)
        assert not thread.is_alive()
    manage_heap(Settings(env="dev", malloc_trim_every_s=0), threading.Event())
    assert "malloc-trim" not in {t.name for t in threading.enumerate()}  # 0: none started


def test_the_trimming_thread_stops_with_the_server() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=trim_forever, args=(stop, 0.01), daemon=True)
    thread.start()
    time.sleep(0.05)
    assert thread.is_alive() == (load_malloc_trim() is not None)
    stop.set()
    thread.join(timeout=1)
    assert not thread.is_alive()


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_glibc_takes_an_arena_limit() -> None:
    assert limit_malloc_arenas(8)  # glibc's own default on a 1-core machine: harmless here


class _MallInfo2(ctypes.Structure):  # struct mallinfo2 (malloc.h), all size_t
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            *("arena", "ordblks", "smblks", "hblks", "hblkhd"),
            *("usmblks", "fsmblks", "uordblks", "fordblks", "keepcost"),
        )
    ]


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_past_a_fixed_mmap_threshold_a_block_gets_its_own_mapping() -> None:
    mallinfo2 = ctypes.CDLL(ctypes.util.find_library("c")).mallinfo2
    mallinfo2.restype = _MallInfo2
    # glibc's own starting value (harmless here), as a server or the worker would set it.
    heap = Settings(env="dev", malloc_mmap_threshold=128 * 1024, malloc_trim_every_s=0)
    manage_heap(heap, threading.Event())
    for _ in range(3):  # freed at once: under the default, this raises the threshold
        bytearray(4 * 1024 * 1024)
    before = mallinfo2().hblkhd
    block = bytearray(1024 * 1024)
    assert mallinfo2().hblkhd - before >= len(block)  # mapped on its own, not from a heap
    del block
    assert mallinfo2().hblkhd == before  # and unmapped when freed
