"""Ingest measurements: events/s and latency through HTTP, the per-event-transaction
baseline, and the delay from a 201 to the record being anchored.

Run alone for development: ``.venv/bin/python -m scripts.benchkit.ingest --quick``.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import secrets
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from eth_account import Account
from web3 import Web3

from scripts.benchkit import stack
from scripts.benchkit.load import LoadResult, Request, percentile, run_load
from scripts.benchkit.pg import postgres_database
from scripts.benchkit.report import Row, table
from scripts.benchkit.stack import Chain, Service
from service.db.models import OrgRole
from service.gs1 import gtin_check_digit
from tests.support.hardhat import load_artifact, send

# Events are spread over this many batches: each batch's records form one hash chain, so every
# write to a batch serializes on its head; one batch would measure that lock, not the service.
BATCHES = 16
SINGLE_CONCURRENCY = 16
BULK_CONCURRENCY = 3
TARGET_SINGLE_EPS = 1_000  # on SQLite
TARGET_BULK_EPS = 10_000  # on SQLite
TARGET_RATIO = 30.0
DELAY_SLACK_S = 2.0  # anchoring delay target: p99 <= interval + 2 s
POLL_S = 0.05
# Open-loop pacing still bounds what is outstanding. Below the service's HTTP threads (40):
# at 40+ concurrent writes on SQLite every thread blocks in BEGIN IMMEDIATE (auth dependency)
# while the lock holder waits for a free thread to run its route, and all stall for 60 s.
MAX_IN_FLIGHT = 32
PRODUCED_AT = "2026-11-02T08:00:00+08:00"


@dataclass(frozen=True)
class Fixture:
    """A supplier with a product and BATCHES batches, ready to record events."""

    headers: dict[str, str]  # the supplier's Authorization
    batch_ids: list[int]


def progress(message: str) -> None:
    # Phases take minutes at full size: say which one is running (stderr: the table is stdout).
    print(f"[ingest {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def random_gtin() -> str:
    # tests.builders has the same, but importing it pulls in Starlette's TestClient.
    body = "0" + "".join(str(secrets.randbelow(10)) for _ in range(12))
    return body + str(gtin_check_digit(body))


def prepare(svc: Service, batches: int = BATCHES) -> Fixture:
    _, key, _ = svc.new_org(OrgRole.supplier, f"Bench Farms {secrets.token_hex(3)}")
    headers = {"Authorization": f"Bearer {key}"}
    api = f"{svc.base_url}/api/v1"
    gtin = random_gtin()
    batch = {"gtin": gtin, "quantity": 1200, "unit": "KGM", "produced_at": PRODUCED_AT}
    with httpx.Client(headers=headers, timeout=30) as client:
        client.post(f"{api}/products", json={"gtin": gtin, "name": "Bench tea"}).raise_for_status()
        ids = []
        for _ in range(batches):
            lot = f"B{secrets.token_hex(4).upper()}"
            response = client.post(f"{api}/batches", json=batch | {"lot": lot})
            response.raise_for_status()
            ids.append(int(response.json()["id"]))
    return Fixture(headers, ids)


def event_body(i: int) -> dict[str, Any]:
    """README's production event, with a per-event detail so no two records are alike."""
    return {
        "type": "production",
        "event_time": PRODUCED_AT,
        "location": "Hangzhou plant 2",
        "details": {"line": "L3", "seq": i},
    }


def single_request(fx: Fixture) -> Callable[[int], Request]:
    def make(i: int) -> Request:
        batch = fx.batch_ids[i % len(fx.batch_ids)]
        path = f"/api/v1/batches/{batch}/events"
        return Request("POST", path, event_body(i), fx.headers, (201,))

    return make


def bulk_request(fx: Fixture, rows: int) -> Callable[[int], Request]:
    def make(i: int) -> Request:
        batch = fx.batch_ids[i % len(fx.batch_ids)]
        events = [event_body(i * rows + k) for k in range(rows)]
        path = f"/api/v1/batches/{batch}/events:bulk"
        return Request("POST", path, {"events": events}, fx.headers, (201,))

    return make


def _phase(
    svc: Service, make: Callable[[int], Request], total: int, concurrency: int, what: str
) -> tuple[LoadResult, float]:
    """Run one load, refuse any error, then wait until the worker has anchored all of it (so
    the next phase does not share the machine with this one's anchoring); (result, drain s)."""
    progress(f"{what}: {total} requests at concurrency {concurrency}")
    result = run_load(svc.base_url, make, total=total, concurrency=concurrency)
    if result.errors:
        raise RuntimeError(f"{what}: {result.errors} errors; first: {result.first_error}")
    progress(f"{what}: {result.rps} req/s; waiting until all are anchored")
    return result, stack.wait_anchored(svc)


def _target(label: str, value: float, minimum: float) -> dict[str, Any]:
    # The throughput targets are set on SQLite only; PostgreSQL is reported beside it.
    if label != "sqlite":
        return {}
    return {"target": f">= {minimum:,.0f}", "met": value >= minimum}


def measure_ingest(svc: Service, label: str, quick: bool) -> tuple[list[Row], dict[str, Any]]:
    """Single-event POSTs at concurrency 16, then bulk POSTs; each phase drained before the next."""
    fx = prepare(svc)
    n_single, n_bulk, rows = (200, 1_000, 250) if quick else (5_000, 50_000, 1_000)
    requests = n_bulk // rows
    single, drain_single = _phase(
        svc, single_request(fx), n_single, SINGLE_CONCURRENCY, f"{label} single POSTs"
    )
    bulk, drain_bulk = _phase(
        svc, bulk_request(fx, rows), requests, BULK_CONCURRENCY, f"{label} bulk x{rows}"
    )
    bulk_eps = round(requests * rows / bulk.seconds, 1)
    section = f"ingest/{label}"
    out = [
        Row(section, f"single POST events/s (c={SINGLE_CONCURRENCY})", single.rps, "ev/s",
            **_target(label, single.rps, TARGET_SINGLE_EPS)),
        Row(section, "single POST p50", single.p50_ms, "ms"),
        Row(section, "single POST p99", single.p99_ms, "ms"),
        Row(section, f"bulk events/s ({rows}/request, c={BULK_CONCURRENCY})", bulk_eps, "ev/s",
            **_target(label, bulk_eps, TARGET_BULK_EPS)),
        Row(section, "bulk p50 per request", bulk.p50_ms, "ms"),
        Row(section, "bulk p99 per request", bulk.p99_ms, "ms"),
        Row(section, "bulk p50 per event (amortised)", round(bulk.p50_ms / rows, 3), "ms"),
        Row(section, "bulk p99 per event (amortised)", round(bulk.p99_ms / rows, 3), "ms"),
    ]  # fmt: skip
    details = {
        "label": label,
        "batches": len(fx.batch_ids),
        "batches_why": "events spread over batches: one batch's hash chain serializes its writes",
        "idempotency_key": False,
        "single": single.summary() | {"events": n_single},
        "bulk": bulk.summary() | {"events": requests * rows, "rows_per_request": rows},
        "events_per_s": {"single": single.rps, "bulk": bulk_eps},
        "anchoring_drain_s": {"single": round(drain_single, 2), "bulk": round(drain_bulk, 2)},
    }
    return out, details


def _per_event_transactions(chain: Chain, n: int) -> list[float]:
    """Seconds per event, each its own anchor() transaction with its receipt awaited."""
    sender = Account.from_key(chain.anchor_key)
    address = Web3.to_checksum_address(chain.contract_address)
    contract = chain.w3.eth.contract(address=address, abi=load_artifact()["abi"])
    seconds = []
    for i in range(n):
        # Like a record: the event with a random salt, hashed; the digest is the "root".
        event = json.dumps(event_body(i) | {"salt": secrets.token_hex(16)})
        digest = hashlib.sha256(event.encode()).digest()
        started = time.perf_counter()
        send(chain.w3, sender, contract.functions.anchor(digest, 1))
        seconds.append(time.perf_counter() - started)
    return seconds


def measure_baseline(chain: Chain, quick: bool) -> tuple[list[Row], dict[str, Any]]:
    """The peer pattern: one transaction per event, sequential, receipt awaited before the next.

    Signs with the service's anchoring key: run it while no worker is anchoring (before a
    service starts or after ``wait_anchored``), or the two would race for nonces.
    """
    n = 20 if quick else 200
    progress(f"baseline: {n} per-event transactions")
    started = time.perf_counter()
    latencies = _per_event_transactions(chain, n)
    eps = round(n / (time.perf_counter() - started), 2)
    ms = [s * 1000 for s in latencies]
    rows = [
        Row("baseline", "per-event transaction events/s", eps, "ev/s"),
        Row("baseline", "per-event transaction p50", round(statistics.median(ms), 2), "ms"),
        Row("baseline", "per-event transaction p99", round(percentile(ms, 99), 2), "ms"),
    ]
    details = {
        "events": n,
        "events_per_s": eps,
        "how": "TraceAnchor.anchor(sha256(event), 1) per event via web3 build_transaction "
        "(nonce, chain id, gas estimate each time), signed locally, receipt awaited; "
        "Hardhat automine, direct RPC (not through the counting proxy)",
    }
    return rows, details


def ratio_rows(ingest: list[dict[str, Any]], baseline: dict[str, Any]) -> list[Row]:
    """Our events/s (single and bulk, per database) over the per-event-transaction baseline.

    The ingest targets, this ratio among them, are set on SQLite; PostgreSQL's ratios
    are reported beside them, like its throughput."""
    base = float(baseline["events_per_s"])
    out = []
    for measured in ingest:
        for mode, eps in measured["events_per_s"].items():
            ratio = round(eps / base, 1) if base else 0.0
            on_sqlite = measured["label"] == "sqlite"
            out.append(
                Row(f"ingest/{measured['label']}", f"{mode} vs per-event transactions", eps,
                    "ev/s", base, ratio,
                    target=f">= {TARGET_RATIO:.0f}x" if on_sqlite else None,
                    met=ratio >= TARGET_RATIO if on_sqlite else None)
            )  # fmt: skip
    return out


@contextlib.contextmanager
def _databases(workdir: Path) -> Iterator[list[tuple[str, str]]]:
    with postgres_database() as pg_url:
        found = [("sqlite", f"sqlite:///{workdir / 'sqlite' / 'lotproof.db'}")]
        yield found + ([("postgresql", pg_url)] if pg_url else [])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, for development")
    parser.add_argument("--workdir", type=Path, help="keep logs and the SQLite file here")
    args = parser.parse_args(argv)
    # Killed by a timeout: unwind the context managers so no Hardhat or service outlives us.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with contextlib.ExitStack() as cleanup:
        workdir = args.workdir or Path(cleanup.enter_context(tempfile.TemporaryDirectory()))
        rows = run_all(workdir, args.quick)
    print(table(rows))
    return 0


def run_all(workdir: Path, quick: bool) -> list[Row]:
    from scripts.benchkit import delay  # it imports this module

    rows: list[Row] = []
    ingest: list[dict[str, Any]] = []
    with stack.chain(workdir) as chain, _databases(workdir) as databases:
        # First, while no worker shares the anchoring key and the chain is idle.
        base_rows, baseline = measure_baseline(chain, quick)
        rows += base_rows
        for label, url in databases:
            (workdir / label).mkdir(parents=True, exist_ok=True)
            with stack.service(chain, url, workdir / label) as svc:
                measured_rows, measured = measure_ingest(svc, label, quick)
                delay_rows, _ = delay.measure_anchoring_delay(svc, quick)
            rows += measured_rows + delay_rows
            ingest.append(measured)
    return rows + ratio_rows(ingest, baseline)


if __name__ == "__main__":
    raise SystemExit(main())
