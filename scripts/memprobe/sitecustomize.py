"""Where a running ``lotproof serve`` keeps its memory, and which SQL costs its CPU.

A diagnostic for the soak (``scripts/soak.py``), not part of the service: Python imports a
``sitecustomize`` module found on ``PYTHONPATH`` at start-up, and the benchmark stack passes
the environment on to the processes it starts (only ``LOTPROOF_*`` variables are replaced).
So, from the repository root::

    PYTHONPATH=scripts/memprobe MEMPROBE_OUT=/tmp/mem.jsonl \\
        .venv/bin/python scripts/soak.py --minutes 5

appends one JSON line every 10 s: the kernel's view (``VmRSS``, ``RssAnon``, ``RssFile`` in
KiB, threads), glibc's (``mallinfo2``: heap bytes in all arenas, in use, free, and in blocks
mapped on their own, in MiB), SQLite's own allocations and Python's allocated block count.
Once a minute it also writes glibc's ``malloc_info`` XML beside it (free chunks by size, per
arena) and the commonest types of Python objects (``<out>.<t>s.types.json``). The resident
part of each kind of mapping comes from ``/proc/self/smaps``: glibc's heaps, other anonymous
memory (mostly Python's own object arenas) and files.

``MEMPROBE_CONTAINERS=1`` adds, once a minute, the long-lived containers that grew most
(``<out>.<t>s.containers.txt``); the answer cache's size is in every sample.

``SQLPROBE_OUT=/tmp/sql.txt`` instead (or as well) times every SQLite statement in thread CPU
time, execute and fetch together, and rewrites the 25 costliest every 30 s. It wraps each
cursor in Python, so it slows the server: use it to rank statements, not to measure speed.

Only ``lotproof serve`` and ``lotproof worker`` are probed (the worker's samples go to
``<out>.worker``, memory only); every other process imports this module and returns.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import itertools
import json
import os
import sqlite3
import sys
import threading
import time
import tracemalloc
from collections import Counter, defaultdict, deque
from typing import Any

EVERY_S = 10
XML_EVERY_S = 60
SQL_EVERY_S = 30


def _role() -> str | None:
    """``serve`` or ``worker`` for the processes probed; None for any other."""
    role = sys.argv[1] if len(sys.argv) > 1 else ""
    return role if role in ("serve", "worker") else None


# struct mallinfo2 (malloc.h), all size_t
MALLINFO2_FIELDS = (
    *("arena", "ordblks", "smblks", "hblks", "hblkhd"),
    *("usmblks", "fsmblks", "uordblks", "fordblks", "keepcost"),
)


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in MALLINFO2_FIELDS]


def _libc() -> Any:
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libc.mallinfo2.restype = _MallInfo2
    libc.fopen.restype = ctypes.c_void_p
    libc.fopen.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
    libc.fclose.argtypes = [ctypes.c_void_p]
    return libc


SQLITE_STATUS_PAGECACHE_OVERFLOW = 2  # page cache memory taken from malloc (sqlite3.h)


def _sqlite_memory() -> Any:
    """A function giving SQLite's (memory used, of which page caches) in bytes."""
    import _sqlite3  # the extension module: its library exports SQLite's C API

    library = ctypes.CDLL(_sqlite3.__file__)
    used = library.sqlite3_memory_used
    used.restype = ctypes.c_int64
    status = library.sqlite3_status64
    status.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int]
    current, highwater = ctypes.c_int64(), ctypes.c_int64()

    def memory() -> tuple[int, int]:
        args = (ctypes.byref(current), ctypes.byref(highwater), 0)
        status(SQLITE_STATUS_PAGECACHE_OVERFLOW, *args)
        return used(), current.value

    return memory


def _kernel_view() -> dict[str, int]:
    wanted = {"VmRSS", "RssAnon", "RssFile", "Threads"}
    view = {}
    with open("/proc/self/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in wanted:
                view[key] = int(value.split()[0])
    return view


GLIBC_HEAP_ALIGN = 64 << 20  # glibc maps each thread arena's heap at a multiple of this


def _resident_view() -> dict[str, int]:
    """Resident MiB by kind of mapping, from ``/proc/self/smaps``: glibc's heaps (the main
    arena's brk heap and each thread arena's aligned heap), other anonymous memory (Python's
    object arenas, thread stacks, large blocks glibc maps on their own) and files.

    mallinfo2 says how big the heaps are, not how much of them is resident: ``malloc_trim``
    hands the pages of free chunks back to the kernel and leaves the heap's size alone.
    """
    view = {"rss_glibc_heaps_mib": 0, "rss_other_anon_mib": 0, "rss_file_mib": 0}
    kind = "rss_other_anon_mib"
    with open("/proc/self/smaps") as smaps:
        for line in smaps:
            fields = line.split()
            if "-" in fields[0] and len(fields) >= 5:  # a mapping's header line
                start = int(fields[0].split("-")[0], 16)
                path = fields[5] if len(fields) > 5 else ""
                if path == "[heap]" or (not path and start % GLIBC_HEAP_ALIGN == 0):
                    kind = "rss_glibc_heaps_mib"
                elif path and not path.startswith("["):
                    kind = "rss_file_mib"
                else:
                    kind = "rss_other_anon_mib"
            elif fields[0] == "Rss:":
                view[kind] += int(fields[1])
    return {key: kib >> 10 for key, kib in view.items()}


def _sample_memory(out: str) -> None:
    libc, sqlite_memory = _libc(), _sqlite_memory()
    started = time.monotonic()
    last_xml = -XML_EVERY_S
    baseline: tracemalloc.Snapshot | None = None
    containers = _GrowingContainers()
    while True:
        time.sleep(EVERY_S)
        at = round(time.monotonic() - started)
        info = libc.mallinfo2()
        sqlite_used, sqlite_pages = sqlite_memory()
        sample = {
            "t": at,
            **_kernel_view(),
            **_resident_view(),
            "heap_mib": info.arena >> 20,
            "in_use_mib": info.uordblks >> 20,
            "free_mib": info.fordblks >> 20,
            "mapped_mib": info.hblkhd >> 20,
            "sqlite_mib": sqlite_used >> 20,
            "sqlite_page_cache_mib": sqlite_pages >> 20,
            "python_blocks": sys.getallocatedblocks(),
            "answer_cache_mib": round(_answer_cache_bytes() / 2**20, 1),
        }
        with open(out, "a") as lines:
            lines.write(json.dumps(sample) + "\n")
        if at - last_xml >= XML_EVERY_S:
            last_xml = at
            stream = libc.fopen(f"{out}.{at}s.xml".encode(), b"w")
            libc.malloc_info(0, stream)
            libc.fclose(stream)
            with open(f"{out}.{at}s.types.json", "w") as types:
                json.dump(_object_types(), types, indent=0)
            if os.environ.get("MEMPROBE_CONTAINERS"):
                containers.write(f"{out}.{at}s.containers.txt")
            frames = int(os.environ.get("MEMPROBE_TRACEMALLOC", "0"))
            if frames and at >= XML_EVERY_S:  # past start-up, which tracing slows to a crawl
                if baseline is None:
                    tracemalloc.start(frames)
                    baseline = tracemalloc.take_snapshot()
                else:
                    _write_growth(f"{out}.{at}s.growth.txt", baseline)


def _write_growth(path: str, baseline: tracemalloc.Snapshot) -> None:
    """Where the memory Python allocated since ``baseline`` (and still holds) was allocated,
    largest first (``MEMPROBE_TRACEMALLOC=<frames>``: traced from the first minute on, as
    tracing slows the server down)."""
    stats = tracemalloc.take_snapshot().compare_to(baseline, "traceback")
    with open(path, "w") as growth:
        for stat in stats[:15]:
            growth.write(f"{stat.size_diff / 1024:+.0f} KiB, {stat.count_diff:+d} blocks\n")
            # Frames without their source lines: reading those would fill linecache, here.
            growth.writelines(f"    {f.filename}:{f.lineno}\n" for f in stat.traceback)


def _answer_cache_bytes() -> float:
    metrics = sys.modules.get("service.metrics")
    return 0.0 if metrics is None else float(metrics.CONSUMER_CACHE_BYTES._value.get())


class _GrowingContainers:
    """Long-lived dicts, lists, sets and deques that keep growing (``MEMPROBE_CONTAINERS=1``).

    Their items may be strings, bytes or numbers, which the garbage collector does not track,
    so a leak of those shows only as a container getting longer; and a dict or list holding
    nothing but those is not tracked either, so containers are also looked for among what
    tracked objects refer to. The server freezes what exists at start-up out of the
    collector's sight (``LOTPROOF_GC_FREEZE``); this unfreezes it so that module-level caches
    are seen too. Each call writes the containers that have grown most since the first call,
    with a few of their items and what holds them. Holds the GIL for a second or so.
    """

    KINDS = (dict, list, set, deque)

    def __init__(self) -> None:
        self.first: dict[int, int] | None = None

    def _containers(self) -> dict[int, Any]:
        found: dict[int, Any] = {}
        for o in gc.get_objects():
            if isinstance(o, self.KINDS):
                found[id(o)] = o
            for inner in gc.get_referents(o):
                if isinstance(inner, self.KINDS) and not gc.is_tracked(inner):
                    found[id(inner)] = inner
        return found

    def write(self, path: str, top: int = 20) -> None:
        if self.first is None:
            gc.unfreeze()
            self.first = {i: len(o) for i, o in self._containers().items()}
            return
        objects = self._containers()
        grown = sorted(
            ((len(o) - self.first[i], i) for i, o in objects.items() if i in self.first),
            reverse=True,
        )[:top]
        with open(path, "w") as report:
            for rank, (growth, ident) in enumerate(grown):
                container = objects[ident]
                items = container.items() if isinstance(container, dict) else container
                try:
                    sample = list(itertools.islice(items, 3))
                except RuntimeError:  # changed size meanwhile, in another thread
                    sample = []
                report.write(
                    f"{growth:+d} -> {len(container)} {type(container).__name__}"
                    f" (tracked: {gc.is_tracked(container)}): {repr(sample)[:300]}\n"
                )
                if rank < 5:
                    report.writelines(
                        f"    held by {_holder(h, container)}\n"
                        for h in gc.get_referrers(container)[:3]
                    )


def _holder(holder: Any, held: Any) -> str:
    """What ``holder`` is, and under which name it holds ``held`` if it is a namespace."""
    name = ""
    if isinstance(holder, dict):
        try:
            name = next((repr(k) for k, v in holder.items() if v is held), "")
        except RuntimeError:  # changed size meanwhile, in another thread
            name = "?"
    return f"{type(holder).__module__}.{type(holder).__qualname__} {name} {repr(holder)[:120]}"


def _object_types(top: int = 80) -> dict[str, int]:
    """The commonest types among the objects the garbage collector tracks (containers and
    instances; not str, bytes or int), to see which kind grows. Holds the GIL while it walks
    them all, a pause the server's requests feel."""
    counts = Counter(f"{type(o).__module__}.{type(o).__qualname__}" for o in gc.get_objects())
    return dict(counts.most_common(top))


class _SqlCosts:
    """Thread CPU seconds, calls and rows per statement text."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_sql: defaultdict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0])

    def add(self, sql: str, cpu_s: float, *, calls: int = 0, rows: int = 0) -> None:
        with self.lock:
            entry = self.by_sql[sql]
            entry[0] += calls
            entry[1] += cpu_s
            entry[2] += rows

    def write_top(self, out: str, count: int = 25) -> None:
        with self.lock:
            top = sorted(self.by_sql.items(), key=lambda item: -item[1][1])[:count]
        with open(out, "w") as report:
            for sql, (calls, cpu_s, rows) in top:
                text = " ".join(sql.split())[:300]
                report.write(f"{cpu_s:8.2f} s {calls:7.0f} calls {rows:9.0f} rows  {text}\n")


def _time_sql(out: str) -> None:
    costs = _SqlCosts()
    clock = time.thread_time

    class TimedCursor(sqlite3.Cursor):
        sql = ""

        def execute(self, sql: str, *args: Any) -> Any:
            return self._timed(super().execute, sql, *args)

        def executemany(self, sql: str, *args: Any) -> Any:
            return self._timed(super().executemany, sql, *args)

        def _timed(self, run: Any, sql: str, *args: Any) -> Any:
            self.sql, began = sql, clock()
            try:
                return run(sql, *args)
            finally:
                costs.add(sql, clock() - began, calls=1)

        def fetchone(self) -> Any:
            began = clock()
            row = super().fetchone()
            costs.add(self.sql, clock() - began, rows=row is not None)
            return row

        def fetchmany(self, size: int | None = None) -> list[Any]:
            began = clock()
            rows = super().fetchmany(self.arraysize if size is None else size)
            costs.add(self.sql, clock() - began, rows=len(rows))
            return rows

        def fetchall(self) -> list[Any]:
            began = clock()
            rows = super().fetchall()
            costs.add(self.sql, clock() - began, rows=len(rows))
            return rows

    class TimedConnection(sqlite3.Connection):
        def cursor(self, factory: Any = TimedCursor) -> Any:
            return super().cursor(factory)

    connect = sqlite3.connect

    def timed_connect(*args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("factory", TimedConnection)
        return connect(*args, **kwargs)

    # SQLAlchemy's pysqlite dialect calls sqlite3.dbapi2.connect: the same function.
    sqlite3.connect = sqlite3.dbapi2.connect = timed_connect

    def write_forever() -> None:
        while True:
            time.sleep(SQL_EVERY_S)
            costs.write_top(out)

    threading.Thread(target=write_forever, daemon=True, name="sqlprobe").start()


def _start() -> None:
    role = _role()
    if role is None:
        return
    memory_out = os.environ.get("MEMPROBE_OUT")
    if memory_out and role == "worker":
        memory_out += ".worker"  # its samples beside the server's, memory only
    if memory_out:
        threading.Thread(
            target=_sample_memory, args=(memory_out,), daemon=True, name="memprobe"
        ).start()
    sql_out = os.environ.get("SQLPROBE_OUT")
    if sql_out and role == "serve":
        _time_sql(sql_out)


_start()
