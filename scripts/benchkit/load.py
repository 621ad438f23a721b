"""An asyncio + aiohttp load generator: N requests at a fixed concurrency, latencies kept.

aiohttp on one event loop (uvloop when available) costs far less CPU per request than a
thread pool or httpx, so the client leaves the service most of the machine; the CPU it did
use is measured and reported (``client_cpu_share``: its CPU seconds per wall second, as a share
of all cores).
"""

from __future__ import annotations

import asyncio
import os
import resource
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import aiohttp


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    json: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    expect: tuple[int, ...] = (200, 201)


@dataclass
class LoadResult:
    requests: int
    errors: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    client_cpu_share: float
    first_error: str | None = None
    # Responses by their X-Cache header (the resolver's answer cache: hit, stale or miss).
    cache: dict[str, int] = field(default_factory=dict)
    # One entry per request, in completion order: (finish time, latency s, status).
    samples: list[tuple[float, float, int]] = field(default_factory=list, repr=False)

    def summary(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("samples")
        return data


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of ``values``; 0 for an empty list."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _run(
    base_url: str, make: Callable[[int], Request], total: int, concurrency: int
) -> LoadResult:
    samples: list[tuple[float, float, int]] = []
    cache: Counter[str] = Counter()
    errors = 0
    first_error: str | None = None
    counter = iter(range(total))
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    timeout = aiohttp.ClientTimeout(total=60)

    async def one_client(session: aiohttp.ClientSession) -> None:
        nonlocal errors, first_error
        for index in counter:
            request = make(index)
            started = time.perf_counter()
            try:
                async with session.request(
                    request.method, base_url + request.path, json=request.json,
                    headers=request.headers,
                ) as response:  # fmt: skip
                    body = await response.read()
                    status = response.status
                    if "X-Cache" in response.headers:
                        cache[response.headers["X-Cache"]] += 1
            except (aiohttp.ClientError, TimeoutError) as e:
                status, body = 0, str(e).encode()
            finished = time.perf_counter()
            samples.append((finished, finished - started, status))
            if status not in request.expect:
                errors += 1
                if first_error is None:
                    first_error = f"{request.method} {request.path}: {status} {body[:300]!r}"

    cpu_before, wall_before = _cpu_seconds(), time.perf_counter()
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(*(one_client(session) for _ in range(concurrency)))
    seconds = time.perf_counter() - wall_before
    cpu = _cpu_seconds() - cpu_before
    latencies = [s[1] * 1000 for s in samples]
    return LoadResult(
        requests=len(samples),
        errors=errors,
        seconds=round(seconds, 3),
        rps=round(len(samples) / seconds, 1) if seconds > 0 else 0.0,
        p50_ms=round(statistics.median(latencies), 2) if latencies else 0.0,
        p99_ms=round(percentile(latencies, 99), 2),
        client_cpu_share=round(cpu / seconds / (os.cpu_count() or 1), 3) if seconds else 0.0,
        first_error=first_error,
        cache=dict(cache),
        samples=samples,
    )


def run_load(
    base_url: str, make: Callable[[int], Request], *, total: int, concurrency: int
) -> LoadResult:
    """Send ``total`` requests (``make(i)`` builds the i-th) with ``concurrency`` in flight."""
    try:
        import uvloop

        runner: Any = uvloop.run
    except ImportError:  # pragma: no cover - uvloop is a dependency of uvicorn[standard]
        runner = asyncio.run
    result: LoadResult = runner(_run(base_url, make, total, concurrency))
    return result
