"""Verification under load: the consumer JSON and HTML pages of a 20-record anchored batch.

Measures throughput and latency at concurrency 32, the JSON-RPC calls the service makes per
request (docs/design.md §7: none once anchors are final), the server's peak memory, and a baseline
that asks the chain about every record on every request (the pattern Lotproof avoids).

Run alone: ``.venv/bin/python -m scripts.benchkit.verify --quick``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import httpx
from eth_abi.abi import encode
from eth_utils.abi import function_signature_to_4byte_selector

from scripts.benchkit import stack
from scripts.benchkit.load import LoadResult, Request, percentile, run_load
from scripts.benchkit.report import Row, table
from scripts.benchkit.stack import Chain, Service
from service.db.models import OrgRole
from tests.builders import random_gtin, random_lot

SECTION = "verification"
CONCURRENCY = 32
RECORDS = 20
VERIFY_SELECTOR = function_signature_to_4byte_selector("verify(bytes32,bytes32,bytes32[])")
TRUE_WORD = "0x" + "0" * 63 + "1"
JSON = "application/json"
HTML = "text/html"


@dataclass(frozen=True)
class Lot:
    """A batch made for measurement, and what a consumer's scan of it asks for."""

    batch_id: int
    gtin: str
    lot: str
    supplier_key: str

    @property
    def path(self) -> str:
        return f"/01/{self.gtin}/10/{self.lot}"


def _post(client: httpx.Client, path: str, key: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(path, json=body, headers={"Authorization": f"Bearer {key}"})
    if response.status_code != 201:
        raise RuntimeError(f"POST {path}: {response.status_code} {response.text[:300]}")
    answer: dict[str, Any] = response.json()
    return answer


def event_body(n: int) -> dict[str, Any]:
    """A realistic event; the types cycle through what the owner may record while it holds the
    lot, so one supplier key can write any number of them."""
    # Ten seconds apart: a million events stay in the past (event times may not be ahead of now).
    moment = datetime(2026, 11, 2, 8, tzinfo=UTC) + timedelta(seconds=10 * n)
    body: dict[str, Any] = {
        "event_time": moment.isoformat(),
        "location": "Hangzhou plant 2",
        "details": {"line": f"L{n % 4}", "operator": f"op-{n % 17}", "shift": n % 3},
    }
    kind = ("production", "packing", "storage", "temperature")[n % 4]
    if kind == "temperature":
        body["temperature_c"] = 4.0 + (n % 5) / 10
    return body | {"type": kind}


def make_lot(svc: Service, records: int = RECORDS, supplier_key: str | None = None) -> Lot:
    """A supplier (unless given), a product and a batch with ``records`` single-POST events."""
    key = supplier_key or svc.new_org(OrgRole.supplier, f"Bench supplier {random_lot()}")[1]
    with httpx.Client(base_url=svc.base_url, timeout=60) as client:
        gtin = random_gtin()
        _post(client, "/api/v1/products", key, {"gtin": gtin, "name": "Longjing green tea"})
        batch = _post(
            client,
            "/api/v1/batches",
            key,
            {
                "gtin": gtin,
                "lot": random_lot(),
                "quantity": 1200,
                "unit": "KGM",
                "produced_at": "2026-11-02T08:00:00+08:00",
            },
        )
        for n in range(records):
            _post(client, f"/api/v1/batches/{batch['id']}/events", key, event_body(n))
    return Lot(batch["id"], batch["gtin"], batch["lot"], key)


def wait_authentic(svc: Service, lot: Lot, timeout: float = 300) -> dict[str, Any]:
    """The consumer JSON once every record is verified against a final anchor."""
    stack.wait_anchored(svc, timeout)
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=svc.base_url, timeout=60) as client:
        while True:
            response = client.get(lot.path, headers={"Accept": "application/json"})
            facts: dict[str, Any] = response.json() if response.status_code == 200 else {}
            if facts.get("verdict") == "authentic":
                return facts
            if time.monotonic() > deadline:
                raise RuntimeError(f"{lot.path} not authentic: {response.text[:300]}")
            time.sleep(0.2)


def consumer_request(lot: Lot, accept: str) -> Callable[[int], Request]:
    request = Request("GET", lot.path, headers={"Accept": accept})
    return lambda _index: request


def _counted_load(
    chain: Chain, run: Callable[[], LoadResult], idle_seconds: float
) -> tuple[LoadResult, dict[str, Any]]:
    """Run a load and attribute the proxy's RPC calls during it to the requests.

    The worker and the server's chain watcher poll the chain on their own clock; their rate
    is measured over an idle window just before the load and subtracted. The window is at
    least a few seconds, because at full speed the load itself may last under a second,
    shorter than one watcher tick; its count is scaled to the load's duration. Under load the
    pollers share the CPU with the requests and tick less often, so the estimate can come out
    slightly negative: the per-method counts in the details show which calls were made.
    """
    idle_methods, idle_calls = _calls_during(chain, lambda: time.sleep(idle_seconds))
    results: list[LoadResult] = []
    load_methods, load_calls = _calls_during(chain, lambda: results.append(run()))
    result = results[0]
    background = idle_calls * result.seconds / idle_seconds
    per_request = (load_calls - background) / max(result.requests, 1)
    return result, {
        "idle_window_s": round(idle_seconds, 2),
        "idle_calls": idle_calls,
        "idle_by_method": idle_methods,
        "load_s": result.seconds,
        "load_calls": load_calls,
        "load_by_method": load_methods,
        "upper_bound_per_request": round(load_calls / max(result.requests, 1), 4),
        "rpc_per_request": round(per_request, 4),
    }


def _calls_during(chain: Chain, action: Callable[[], object]) -> tuple[dict[str, int], int]:
    """JSON-RPC calls through the proxy while ``action`` runs: by method, and in all."""
    methods_before, before = chain.proxy.by_method.copy(), chain.proxy.snapshot()
    action()
    methods_after, after = chain.proxy.by_method.copy(), chain.proxy.snapshot()
    delta = {m: n - methods_before.get(m, 0) for m, n in methods_after.items()}
    return {m: n for m, n in delta.items() if n}, after - before


def _verify_calls(facts: dict[str, Any], contract: str) -> list[bytes]:
    """One encoded ``eth_call`` body per record: ``verify(root, digest, proof)``."""
    bodies: list[bytes] = []
    for record in facts["records"]:
        args = [
            bytes.fromhex(record["anchor"]["root"][2:]),
            bytes.fromhex(record["digest"][2:]),
            [bytes.fromhex(p[2:]) for p in record["proof"]],
        ]
        data = VERIFY_SELECTOR + encode(["bytes32", "bytes32", "bytes32[]"], args)
        params = [{"to": contract, "data": "0x" + data.hex()}, "latest"]
        call = {"jsonrpc": "2.0", "id": 1, "method": "eth_call", "params": params}
        bodies.append(json.dumps(call).encode())
    return bodies


async def _baseline_run(
    url: str, rpc_url: str, bodies: list[bytes], total: int, concurrency: int
) -> LoadResult:
    """Each request: the consumer JSON, then ``verify`` on chain for each of its records.

    The record calls of one request go out together (``gather``): the most favourable
    schedule for the baseline, since its latency is then one chain round trip, not twenty.
    """
    samples: list[tuple[float, float, int]] = []
    failures: list[str] = []
    counter = iter(range(total))
    timeout = aiohttp.ClientTimeout(total=60)
    web = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency), timeout=timeout)
    rpc = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64), timeout=timeout)

    async def ask_chain(body: bytes) -> bool:
        headers = {"Content-Type": "application/json"}
        async with rpc.post(rpc_url, data=body, headers=headers) as response:
            answer = await response.json(content_type=None)
        return bool(answer.get("result") == TRUE_WORD)

    async def one_request() -> str | None:
        async with web.get(url, headers={"Accept": "application/json"}) as response:
            await response.read()
            if response.status != 200:
                return f"consumer JSON: {response.status}"
        verdicts = await asyncio.gather(*(ask_chain(b) for b in bodies))
        return None if all(verdicts) else f"verify() false for {verdicts.count(False)} records"

    async def one_client() -> None:
        for _ in counter:
            started = time.perf_counter()
            try:
                failure = await one_request()
            except (aiohttp.ClientError, TimeoutError) as e:
                failure = f"{type(e).__name__}: {e}"
            finished = time.perf_counter()
            samples.append((finished, finished - started, 0 if failure else 200))
            if failure:
                failures.append(failure)

    cpu_before, wall_before = time.process_time(), time.perf_counter()
    async with web, rpc:
        await asyncio.gather(*(one_client() for _ in range(concurrency)))
    return _result(samples, failures, time.perf_counter() - wall_before, cpu_before)


def _result(
    samples: list[tuple[float, float, int]], failures: list[str], seconds: float, cpu0: float
) -> LoadResult:
    latencies = [s[1] * 1000 for s in samples]
    cpu_share = (time.process_time() - cpu0) / seconds / (os.cpu_count() or 1)
    return LoadResult(
        requests=len(samples),
        errors=len(failures),
        seconds=round(seconds, 3),
        rps=round(len(samples) / seconds, 1),
        p50_ms=round(statistics.median(latencies), 2) if latencies else 0.0,
        p99_ms=round(percentile(latencies, 99), 2),
        client_cpu_share=round(cpu_share, 3),
        first_error=failures[0] if failures else None,
        samples=samples,
    )


def run_baseline(
    svc: Service, chain: Chain, lot: Lot, facts: dict[str, Any], total: int
) -> LoadResult:
    bodies = _verify_calls(facts, chain.contract_address)  # encoded once, outside the timing
    # Straight to the node, not through the counting proxy: the proxy would be the bottleneck.
    run = _baseline_run(svc.base_url + lot.path, chain.node.url, bodies, total, CONCURRENCY)
    runner: Callable[[Any], Any] = asyncio.run
    try:  # the same event loop as run_load's, so both clients cost the same per request
        import uvloop

        runner = uvloop.run
    except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
        pass
    result: LoadResult = runner(run)
    return result


def run_page_load(svc: Service, lot: Lot, accept: str, total: int) -> LoadResult:
    return run_load(
        svc.base_url, consumer_request(lot, accept), total=total, concurrency=CONCURRENCY
    )


def _mib(n: int) -> float:
    return round(n / 2**20, 1)


def measure_verification(
    chain: Chain, svc: Service, lot: Lot, quick: bool
) -> tuple[list[Row], dict[str, Any]]:
    """``lot`` (from ``make_lot``) scanned as JSON, then as HTML, then by the baseline."""
    total = 100 if quick else 3000
    facts = wait_authentic(svc, lot)
    warm = [run_page_load(svc, lot, accept, total // 5) for accept in (JSON, HTML)]
    # Idle window: as long as the load is expected to last, but at least 5 s (see
    # _counted_load) and at most 30 s.
    idle = min(30.0, max(5.0, total / max(warm[0].rps, 1.0)))
    svc.memory.reset()
    json_result, json_rpc = _counted_load(chain, lambda: run_page_load(svc, lot, JSON, total), idle)
    json_peak = svc.memory.peak_bytes
    html_result, html_rpc = _counted_load(chain, lambda: run_page_load(svc, lot, HTML, total), idle)
    peak = svc.memory.peak_bytes
    run_baseline(svc, chain, lot, facts, CONCURRENCY)  # warm the node's connections too
    baseline = run_baseline(svc, chain, lot, facts, total)
    rows = _rows(json_result, html_result, baseline, json_rpc, html_rpc, peak)
    details = {
        "batch": {"path": lot.path, "records": len(facts["records"])},
        "concurrency": CONCURRENCY,
        "warm_up": {"json": warm[0].summary(), "html": warm[1].summary()},
        "json": json_result.summary() | {"rpc": json_rpc, "peak_rss_mib": _mib(json_peak)},
        "html": html_result.summary() | {"rpc": html_rpc, "peak_rss_mib": _mib(peak)},
        "baseline": baseline.summary()
        | {
            "pattern": "consumer JSON, then verify(root, digest, proof) eth_call per record, "
            "the record calls of a request in parallel, straight to the Hardhat node"
        },
        "rpc_by_method_since_chain_start": chain.proxy.by_method.copy(),
    }
    return rows, details


def _rows(
    ours: LoadResult,
    html: LoadResult,
    baseline: LoadResult,
    json_rpc: dict[str, Any],
    html_rpc: dict[str, Any],
    peak: int,
) -> list[Row]:
    ratio = round(ours.rps / baseline.rps, 1) if baseline.rps else None
    rows = [
        *_page_rows("consumer JSON", ours, 800),
        *_page_rows("consumer HTML", html, 500),
        Row(
            SECTION,
            "JSON vs ask-the-chain baseline",
            ours.rps,
            "req/s",
            baseline.rps,
            ratio,
            ">= 5x",
            ratio is not None and ratio >= 5,
        ),
        Row(SECTION, "baseline p50", baseline.p50_ms, "ms"),
        Row(SECTION, "baseline p99", baseline.p99_ms, "ms"),
        Row(SECTION, "baseline errors", baseline.errors, "requests"),
    ]
    for name, rpc in (("JSON", json_rpc), ("HTML", html_rpc)):
        # Shown clamped at 0 (see _counted_load; the raw estimate is in the details). A
        # request that asked the chain at all would add >= 1; allow 1 call per 20 requests
        # for the noise of the background estimate.
        per_request = max(0.0, rpc["rpc_per_request"])
        rows.append(
            Row(
                SECTION,
                f"RPC calls per {name} request",
                round(per_request, 3),
                "calls",
                target="0",
                met=per_request < 0.05,
            )
        )
    rows.append(Row(SECTION, "server peak memory under load", _mib(peak), "MiB"))
    return rows


def _page_rows(name: str, result: LoadResult, min_rps: float) -> list[Row]:
    return [
        Row(
            SECTION,
            f"{name} throughput",
            result.rps,
            "req/s",
            target=f">= {min_rps:.0f}",
            met=result.rps >= min_rps,
        ),
        Row(SECTION, f"{name} p50", result.p50_ms, "ms"),
        Row(SECTION, f"{name} p99", result.p99_ms, "ms", target="<= 50", met=result.p99_ms <= 50),
        Row(
            SECTION, f"{name} errors", result.errors, "requests", target="0", met=result.errors == 0
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 requests per load, not 3,000")
    parser.add_argument("--http-workers", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lotproof-verify-") as tmp:
        workdir = Path(tmp)
        url = f"sqlite:///{workdir / 'bench.db'}"
        with (
            stack.chain(workdir) as chain,
            stack.service(chain, url, workdir, http_workers=args.http_workers) as svc,
        ):
            rows, details = measure_verification(chain, svc, make_lot(svc), args.quick)
    print(table(rows))
    print(json.dumps(details, indent=2, default=str))


if __name__ == "__main__":
    main()
