"""Open-loop mixed load for ``scripts/soak.py``: several request streams at fixed rates at once,
every answer checked, and the service's memory and CPU sampled all along.

The streams: single-event and bulk POSTs spread over lots written side by side (``Lanes``),
scans of anchored lots (JSON checked "authentic") and of the lots being written (never
"tampered").

Each stream sends its i-th request at ``t0 + i / rate`` whether or not earlier ones have
answered (open loop: a slow service does not slow the offered load down, as a closed loop
would). What is outstanding is still bounded, per group of streams: at 40+ concurrent writes
the service's HTTP threads can all block on SQLite's write lock (see ``ingest.MAX_IN_FLIGHT``).
A stream that has to wait for a slot falls behind its schedule; the lag is reported, and the
achieved rate beside the offered one.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import psutil

from scripts.benchkit import ingest
from scripts.benchkit.load import Request, percentile
from scripts.benchkit.verify import HTML, JSON, RECORDS, Lot

# Checks an expected answer beyond its status: (request, body) -> a problem, or None if fine.
Check = Callable[[Request, bytes], str | None]
REQUEST_TIMEOUT_S = 30.0
KEPT_ERRORS = 5  # per stream: the first few, verbatim


@dataclass
class Stream:
    """One kind of request, sent at ``rate`` per second; ``make(i)`` builds the i-th."""

    name: str
    rate: float
    make: Callable[[int], Request]
    group: str  # streams of a group share a cap on requests in flight
    check: Check | None = None
    sent: int = 0
    ok: int = 0
    errors: int = 0
    first_errors: list[str] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    max_lag_s: float = 0.0
    cache: Counter[str] = field(default_factory=Counter)  # answers by their X-Cache header

    def error(self, message: str) -> None:
        self.errors += 1
        if len(self.first_errors) < KEPT_ERRORS:
            self.first_errors.append(message[:400])

    def summary(self, seconds: float) -> dict[str, Any]:
        ms = self.latencies_ms
        return {
            "offered_per_s": self.rate,
            "achieved_per_s": round(self.sent / seconds, 1) if seconds else 0.0,
            "sent": self.sent,
            # Due before the end but never sent: the cap on requests in flight held them back.
            "not_sent_behind_schedule": max(0, math.floor(self.rate * seconds) - self.sent),
            "ok": self.ok,
            "errors": self.errors,
            "first_errors": self.first_errors,
            "p50_ms": round(statistics.median(ms), 2) if ms else 0.0,
            "p99_ms": round(percentile(ms, 99), 2),
            "max_ms": round(max(ms), 2) if ms else 0.0,
            "max_schedule_lag_s": round(self.max_lag_s, 3),
            "x_cache": dict(self.cache),
        }


async def _send(
    session: aiohttp.ClientSession, base_url: str, stream: Stream, request: Request
) -> None:
    started = time.monotonic()
    try:
        async with session.request(
            request.method, base_url + request.path, json=request.json, headers=request.headers
        ) as response:
            body = await response.read()
            status = response.status
            if "X-Cache" in response.headers:
                stream.cache[response.headers["X-Cache"]] += 1
    except (aiohttp.ClientError, TimeoutError) as e:
        stream.error(f"{request.method} {request.path}: {type(e).__name__}: {e}")
        return
    stream.latencies_ms.append((time.monotonic() - started) * 1000)
    if status not in request.expect:
        stream.error(f"{request.method} {request.path}: {status} {body[:300]!r}")
        return
    try:
        problem = stream.check(request, body) if stream.check else None
    except (ValueError, KeyError, TypeError) as e:  # not the JSON the check expects
        problem = f"unreadable answer: {type(e).__name__}: {e}: {body[:200]!r}"
    if problem is not None:
        stream.error(f"{request.method} {request.path}: {problem}")
        return
    stream.ok += 1


async def _pace(
    session: aiohttp.ClientSession,
    base_url: str,
    stream: Stream,
    gate: asyncio.Semaphore,
    t0: float,
    seconds: float,
) -> None:
    tasks: set[asyncio.Task[None]] = set()

    async def one(request: Request) -> None:
        try:
            await _send(session, base_url, stream, request)
        finally:
            gate.release()

    end = t0 + seconds
    while (due := t0 + stream.sent / stream.rate) < end:
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        await gate.acquire()  # waits only when the group's cap is reached: falling behind
        if time.monotonic() >= end:  # the run lasts ``seconds``: no catching up after it
            gate.release()
            break
        stream.max_lag_s = max(stream.max_lag_s, time.monotonic() - due)
        task = asyncio.create_task(one(stream.make(stream.sent)))
        tasks.add(task)  # held until done (the loop keeps only weak references)
        task.add_done_callback(tasks.discard)
        stream.sent += 1
    await asyncio.gather(*tasks)


async def run_mixed(
    base_url: str, streams: list[Stream], caps: dict[str, int], seconds: float
) -> float:
    """Run every stream for ``seconds``, then wait for the answers; the wall time it took.

    A request due before the end but held back by its group's cap past the end is not sent:
    the run lasts what it was asked to, and the shortfall shows in the achieved rates."""
    gates = {group: asyncio.Semaphore(cap) for group, cap in caps.items()}
    connector = aiohttp.TCPConnector(limit=sum(caps.values()))
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        t0 = time.monotonic()
        await asyncio.gather(
            *(_pace(session, base_url, s, gates[s.group], t0, seconds) for s in streams)
        )
        return time.monotonic() - t0


def run(base_url: str, streams: list[Stream], caps: dict[str, int], seconds: float) -> float:
    """``run_mixed`` on uvloop (the event loop ``load.run_load`` uses), else asyncio's."""
    runner: Callable[[Any], Any] = asyncio.run
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
        pass
    wall: float = runner(run_mixed(base_url, streams, caps, seconds))
    return wall


@dataclass
class Lanes:
    """Where written events go: each lane fills one lot to ``lot_records``, then the next.

    Several lanes, because a lot's records form one hash chain: writes to one lot serialize
    on its head, and one lot would measure that lock rather than the service."""

    lots: list[Lot]
    lanes: int
    lot_records: int
    assigned: list[int] = field(default_factory=list)  # events sent, per lane
    accepted: Counter[int] = field(default_factory=Counter)  # batch id -> events answered 201

    def __post_init__(self) -> None:
        self.assigned = [0] * self.lanes

    def current(self, lane: int) -> Lot:
        ordinal = self.assigned[lane] // self.lot_records
        return self.lots[(lane + self.lanes * ordinal) % len(self.lots)]

    def take(self, lane: int, events: int) -> Lot:
        lot = self.current(lane)
        self.assigned[lane] += events
        return lot

    @staticmethod
    def pool_size(lanes: int, lot_records: int, events: float) -> int:
        """Batches to make beforehand so that no lane comes back to a lot it filled."""
        return lanes * (math.ceil(events / lanes / lot_records) + 1)


@dataclass(frozen=True)
class Plan:
    """What ``scripts/soak.py`` offers, and for how long (its command-line options)."""

    minutes: float
    single_rate: float
    bulk_every_s: float
    bulk_events: int
    scan_rate: float
    writing_scan_rate: float
    lanes: int
    lot_records: int
    anchored_lots: int

    @property
    def seconds(self) -> float:
        return self.minutes * 60

    @property
    def warm_up_s(self) -> float:
        return min(60.0, self.seconds / 3)

    @property
    def events(self) -> float:
        return (self.single_rate + self.bulk_events / self.bulk_every_s) * self.seconds


def _batch_in(request: Request) -> int:
    return int(request.path.split("/")[4])  # /api/v1/batches/{id}/events[:bulk]


def write_streams(plan: Plan, lanes: Lanes, headers: dict[str, str]) -> list[Stream]:
    def single(i: int) -> Request:
        lot = lanes.take(i % lanes.lanes, 1)
        path = f"/api/v1/batches/{lot.batch_id}/events"
        return Request("POST", path, ingest.event_body(i), headers, (201,))

    def bulk(i: int) -> Request:
        lot = lanes.take(i % lanes.lanes, plan.bulk_events)
        first = 10**9 + i * plan.bulk_events  # details.seq apart from the single posts'
        events = [ingest.event_body(first + k) for k in range(plan.bulk_events)]
        path = f"/api/v1/batches/{lot.batch_id}/events:bulk"
        return Request("POST", path, {"events": events}, headers, (201,))

    def check_single(request: Request, body: bytes) -> str | None:
        batch = int(json.loads(body)["batch_id"])
        lanes.accepted[batch] += 1
        return None if batch == _batch_in(request) else f"recorded in batch {batch}"

    def check_bulk(request: Request, body: bytes) -> str | None:
        records = json.loads(body)["records"]
        batches = {int(r["batch_id"]) for r in records}
        lanes.accepted[_batch_in(request)] += len(records)
        if len(records) != plan.bulk_events or batches != {_batch_in(request)}:
            return f"{len(records)} records in batches {sorted(batches)}"
        return None

    return [
        Stream("single POST", plan.single_rate, single, "write", check_single),
        Stream("bulk POST", 1 / plan.bulk_every_s, bulk, "write", check_bulk),
    ]


def _verdict(body: bytes) -> tuple[str, int]:
    facts = json.loads(body)
    return str(facts["verdict"]), len(facts["records"])


def scan_streams(plan: Plan, anchored: list[Lot], lanes: Lanes) -> list[Stream]:
    def anchored_scan(accept: str) -> Stream:
        def make(i: int) -> Request:
            lot = anchored[i % len(anchored)]
            return Request("GET", lot.path, headers={"Accept": accept}, expect=(200,))

        def check(_request: Request, body: bytes) -> str | None:
            verdict, records = _verdict(body)
            ok = verdict == "authentic" and records == RECORDS
            return None if ok else f"{verdict} with {records} records"

        kind = "JSON" if accept == JSON else "HTML"
        return Stream(f"scan anchored {kind}", plan.scan_rate / 2, make, "read",
                      check if accept == JSON else None)  # fmt: skip

    def writing(i: int) -> Request:
        lot = lanes.current(i // 2 % lanes.lanes)  # each lane scanned as JSON, then as HTML
        accept = JSON if i % 2 == 0 else HTML
        return Request("GET", lot.path, headers={"Accept": accept}, expect=(200,))

    def check_writing(request: Request, body: bytes) -> str | None:
        if request.headers["Accept"] != JSON:
            return None
        verdict, records = _verdict(body)
        return None if verdict in ("pending", "authentic") else f"{verdict} ({records} records)"

    return [
        anchored_scan(JSON),
        anchored_scan(HTML),
        Stream("scan lot being written", plan.writing_scan_rate, writing, "read", check_writing),
    ]


@dataclass(frozen=True)
class Sample:
    at_s: float  # since the sampler started
    serve_rss: int  # bytes, the `lotproof serve` process tree
    worker_rss: int  # bytes, the `lotproof worker` process tree
    serve_cpu_s: float  # CPU seconds used so far by the serve tree
    worker_cpu_s: float  # and by the worker tree


def _tree(pid: int) -> list[psutil.Process]:
    root = psutil.Process(pid)
    return [root, *root.children(recursive=True)]


def _rss(processes: list[psutil.Process]) -> int:
    total = 0
    for process in processes:
        with contextlib.suppress(psutil.Error):
            total += process.memory_info().rss
    return total


def _cpu(processes: list[psutil.Process]) -> float:
    total = 0.0
    for process in processes:
        with contextlib.suppress(psutil.Error):
            times = process.cpu_times()
            total += times.user + times.system
    return total


class Sampler:
    """RSS of the serve and worker process trees, and their CPU time, every ``every_s``."""

    def __init__(self, serve_pid: int, worker_pid: int, every_s: float = 1.0) -> None:
        self.serve_pid, self.worker_pid, self.every_s = serve_pid, worker_pid, every_s
        self.samples: list[Sample] = []
        self._t0 = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> Sample:
        serve, worker = _tree(self.serve_pid), _tree(self.worker_pid)
        at = round(time.monotonic() - self._t0, 2)
        taken = Sample(at, _rss(serve), _rss(worker), _cpu(serve), _cpu(worker))
        self.samples.append(taken)
        return taken

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            with contextlib.suppress(psutil.Error):
                self.sample()

    def start(self) -> Sampler:
        self.sample()
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def serve_rss_around(self, start_s: float, end_s: float) -> int:
        """Median serve RSS of the samples taken in [start_s, end_s]: one sample is noisy."""
        inside = [s.serve_rss for s in self.samples if start_s <= s.at_s <= end_s]
        return int(statistics.median(inside)) if inside else 0
