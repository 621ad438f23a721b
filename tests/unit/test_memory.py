"""The periodic malloc_trim of long-running servers (service/memory.py)."""

from __future__ import annotations

import platform
import threading
import time

import pytest

from service.memory import limit_malloc_arenas, load_malloc_trim, trim_forever


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")
def test_glibc_gives_its_malloc_trim() -> None:
    trim = load_malloc_trim()
    assert trim is not None
    assert trim(0) in (0, 1)  # 1: memory was released, 0: there was none to release


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
