"""Growth: does cost grow with the batch, or with the database?

One SQLite database is grown in steps (10,000 then 1,000,000 records; quick: 1,000 then
5,000). At each size a fresh service measures single-POST ingest throughput and the latency
of verifying a 20-record anchored batch; the figures at the largest size are compared with the
smallest (target: within 20 %).

Filling. Filler records go in batches of 1,000 created through the API. The bulk path,
``POST /api/v1/batches/{id}/events:bulk``, takes as many batches as its measured rate fits in
a time budget (600 s; quick 30 s), normally all of them. Only on a machine too slow for that
are the other batches written directly: rows built by the same functions the bulk path calls
(``EventCreate``, ``object_event``, ``build_record``, RFC 8785 + SHA-256), chained per batch
and inserted in one statement per batch. The rows are the same either way; the details say
how many went each way and how fast, and a filler batch is checked to be "authentic" through
the consumer JSON.

Anchoring. The fill service runs with its worker idle (LOTPROOF_ANCHOR_INTERVAL=3600), so
anchoring does not compete with the fill for SQLite's single writer; then a service with
LOTPROOF_ANCHOR_MAX_LEAVES=16384 anchors every filler record, so the measured database looks
like a real one (records final, ~1 anchor per 16k records) and the measurement's own worker
has nothing old to catch up on. The measurement service uses the default settings.

Run alone: ``.venv/bin/python -m scripts.benchkit.growth --quick``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sqlite3
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, insert, select

from scripts.benchkit import stack
from scripts.benchkit.cacheoff import CACHE_OFF
from scripts.benchkit.load import LoadResult, Request, run_load
from scripts.benchkit.report import Row, table
from scripts.benchkit.stack import Chain, Service
from scripts.benchkit.verify import (
    JSON,
    Lot,
    consumer_request,
    event_body,
    make_lot,
    wait_authentic,
)
from service.db.base import utcnow
from service.db.models import Batch, Organization, OrgRole, Record, RecordStatus
from service.events.schemas import EventCreate
from service.hashing import build_record, canonical_bytes, record_digest
from service.records.epcis import LotQuantity, format_utc_ms, object_event
from tests.builders import random_gtin

SECTION = "growth"
BATCH_RECORDS = 1_000
INGEST_CONCURRENCY = 16
INGEST_RUNS = 5  # the reported ingest figure is their median
ANCHOR_ENV = {"LOTPROOF_ANCHOR_MAX_LEAVES": "16384"}


@dataclass
class Filler:
    """Grows the database; remembers how much went through each path and how fast."""

    budget_s: float
    key: str = ""
    gtin: str = ""
    records: int = 0
    batches: int = 0
    bulk_records: int = 0
    bulk_seconds: float = 0.0
    direct_records: int = 0
    direct_seconds: float = 0.0

    def fill_to(self, svc: Service, target: int) -> None:
        with httpx.Client(base_url=svc.base_url, timeout=600) as client:
            if not self.key:
                self._start(svc, client)
            while self.records < target:
                count = min(BATCH_RECORDS, target - self.records)
                batch_id = self._new_batch(client)
                if self._use_bulk(target - self.records):
                    self._bulk(client, batch_id, count)
                else:
                    self._direct(svc, batch_id, count)
                self.records += count

    def _start(self, svc: Service, client: httpx.Client) -> None:
        self.key = svc.new_org(OrgRole.supplier, "Growth filler")[1]
        self.gtin = random_gtin()
        body = {"gtin": self.gtin, "name": "Longjing green tea"}
        _check(client.post("/api/v1/products", json=body, headers=self._auth()))

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    def _new_batch(self, client: httpx.Client) -> int:
        self.batches += 1
        body = {
            "gtin": self.gtin,
            "lot": f"FILL{self.batches:07d}",
            "quantity": 1200,
            "unit": "KGM",
            "produced_at": "2026-11-02T08:00:00+08:00",
        }
        answer = _check(client.post("/api/v1/batches", json=body, headers=self._auth()))
        return int(answer["id"])

    def _use_bulk(self, remaining: int) -> bool:
        """Bulk while the time spent in it plus the projected rest stays within the budget."""
        if self.bulk_records == 0:
            return True  # measure its rate first
        rate = self.bulk_records / self.bulk_seconds
        return self.bulk_seconds + remaining / rate <= self.budget_s

    def _bulk(self, client: httpx.Client, batch_id: int, count: int) -> None:
        body = {"events": [event_body(n) for n in range(count)]}
        started = time.perf_counter()
        path = f"/api/v1/batches/{batch_id}/events:bulk"
        _check(client.post(path, json=body, headers=self._auth()))
        self.bulk_seconds += time.perf_counter() - started
        self.bulk_records += count

    def _direct(self, svc: Service, batch_id: int, count: int) -> None:
        started = time.perf_counter()
        with svc.sessions.write() as session, session.begin():
            batch = session.get(Batch, batch_id)
            org = session.get(Organization, batch.owner_org_id) if batch else None
            assert batch is not None and org is not None and batch.record_count == 0
            rows = direct_rows(batch, org, count)
            session.execute(insert(Record), rows)
            batch.record_count, batch.head_digest = count, rows[-1]["digest"]
        self.direct_seconds += time.perf_counter() - started
        self.direct_records += count

    def summary(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("key")
        for way in ("bulk", "direct"):
            seconds = data[f"{way}_seconds"]
            data[f"{way}_seconds"] = round(seconds, 1)
            rate = data[f"{way}_records"] / seconds if seconds else None
            data[f"{way}_records_per_s"] = round(rate, 1) if rate else None
        return data


def _check(response: httpx.Response) -> dict[str, Any]:
    if response.status_code != 201:
        raise RuntimeError(f"{response.request.url}: {response.status_code} {response.text[:300]}")
    answer: dict[str, Any] = response.json()
    return answer


def direct_rows(batch: Batch, org: Organization, count: int) -> list[dict[str, Any]]:
    """The rows ``record_bulk`` would store for ``event_body(0..count-1)`` in a new batch.

    Same steps as ``service.events.service.check_event``/``service.records.writer`` for these event
    types (no custody handover, no inspection): validate, EPCIS event, v1 record chained by
    ``prev``, canonical text and its SHA-256 (``record_digest``'s definition, computed once
    from the canonical bytes stored anyway; the first row is cross-checked).
    """
    rows: list[dict[str, Any]] = []
    prev: bytes | None = None
    recorded_at = utcnow()
    for n in range(count):
        data = EventCreate.model_validate(event_body(n))
        event = object_event(
            event_type=data.type,
            event_time=data.event_time,
            lot=LotQuantity.whole(batch),
            location=data.location,
            details=data.details,
            temperature_c=data.temperature_c,
        )
        content = build_record(
            gtin=batch.gtin,
            lot=batch.lot,
            n=n,
            prev=prev,
            event=event,
            actor=org.slug,
            recorded_at=format_utc_ms(recorded_at),
            salt=os.urandom(32),
        )
        text = canonical_bytes(content)
        digest = hashlib.sha256(text).digest()
        if n == 0:
            assert digest == record_digest(content)
        rows.append(
            {
                "batch_id": batch.id,
                "n": n,
                "event_type": data.type.value,
                "event_time": data.event_time,
                "actor_org_id": org.id,
                "content": text.decode(),
                "digest": digest,
                "status": RecordStatus.pending,
                "recorded_at": recorded_at,
            }
        )
        prev = digest
    return rows


def _ingest(svc: Service, total: int) -> LoadResult:
    """Single-event POSTs into 16 fresh batches, one per client in flight."""
    key = svc.new_org(OrgRole.supplier, "Growth ingest")[1]
    lots = [make_lot(svc, records=0, supplier_key=key) for _ in range(INGEST_CONCURRENCY)]
    headers = {"Authorization": f"Bearer {key}"}

    def make(i: int) -> Request:
        path = f"/api/v1/batches/{lots[i % len(lots)].batch_id}/events"
        return Request("POST", path, json=event_body(i), headers=headers, expect=(201,))

    return run_load(svc.base_url, make, total=total, concurrency=INGEST_CONCURRENCY)


def _verification(svc: Service, samples: int) -> LoadResult:
    """Sequential consumer JSON GETs of a fresh 20-record batch, once it is authentic."""
    lot = make_lot(svc)
    wait_authentic(svc, lot)
    run_load(svc.base_url, consumer_request(lot, JSON), total=20, concurrency=1)  # warm up
    return run_load(svc.base_url, consumer_request(lot, JSON), total=samples, concurrency=1)


def _filler_check(svc: Service, filler: Filler) -> dict[str, Any]:
    """The last filler batch as a consumer sees it: proves filled rows verify like any."""
    lot = Lot(0, filler.gtin, f"FILL{filler.batches:07d}", filler.key)
    started = time.perf_counter()
    response = httpx.get(svc.base_url + lot.path, headers={"Accept": JSON}, timeout=300)
    facts = response.json()
    return {
        "path": lot.path,
        "verdict": facts.get("verdict"),
        "records": len(facts.get("records", [])),
        "seconds": round(time.perf_counter() - started, 2),
    }


def _stored(svc: Service) -> int:
    with svc.sessions.read() as session:
        return int(session.scalar(select(func.count()).select_from(Record)) or 0)


def measure_size(
    chain: Chain, url: str, workdir: Path, filler: Filler, size: int, quick: bool
) -> dict[str, Any]:
    started = time.perf_counter()
    if quick:  # a few thousand records: fill and anchor with one service, saving two starts
        with stack.service(chain, url, workdir, anchor_interval=0.05, extra_env=ANCHOR_ENV) as svc:
            filler.fill_to(svc, size)
            filled = time.perf_counter()
            stack.wait_anchored(svc)
    else:
        # Worker idle during the fill: anchoring would compete for SQLite's one writer.
        with stack.service(chain, url, workdir, anchor_interval=3600) as svc:
            filler.fill_to(svc, size)
        filled = time.perf_counter()
        with stack.service(chain, url, workdir, anchor_interval=0.05, extra_env=ANCHOR_ENV) as svc:
            stack.wait_anchored(svc, timeout=7200)
    anchored = time.perf_counter()
    database = Path(url.removeprefix("sqlite:///"))
    wal_mib = _checkpoint(database)
    # Answer cache off: each scan is built, so its latency is the work the database size
    # could slow down (with the cache on, the same 20 records would be measured once).
    with stack.service(chain, url, workdir, extra_env=CACHE_OFF) as svc:
        step = {
            "stored_records": _stored(svc),
            "fill_s": round(filled - started, 1),
            "anchor_s": round(anchored - filled, 1),
            "wal_mib_checkpointed_before_measuring": wal_mib,
            "filler": filler.summary(),
            "filler_check": _filler_check(svc, filler),
        }
        verification = _verification(svc, 30 if quick else 200)
        _ingest(svc, 20 if quick else 300)  # warm up: connections, caches, the first group
        # The median of several short runs: one run of a few seconds can vary between
        # identical benchmark runs by more than the effect being measured.
        runs = [_ingest(svc, 60 if quick else 1000) for _ in range(INGEST_RUNS)]
        ingest = sorted(runs, key=lambda run: run.rps)[len(runs) // 2]
        stack.wait_anchored(svc)  # nothing left pending for the next step
    return step | {
        "database_mib": round(database.stat().st_size / 2**20, 1),
        "verification": verification.summary(),
        "ingest": ingest.summary() | {"runs_rps": [run.rps for run in runs]},
    }


def _checkpoint(database: Path) -> float:
    """Fold the write-ahead log into the database; returns the log's size before (MiB).

    The measured database is then at rest, as a long-running one is between bursts: anchoring
    a million records just before rewrites every one of them (status and proof), and the
    service measured next would otherwise spend its first seconds checkpointing that log.
    Both steps get the same treatment.
    """
    wal = database.with_name(database.name + "-wal")
    before = wal.stat().st_size / 2**20 if wal.exists() else 0.0
    with sqlite3.connect(database) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return round(before, 1)


def _label(size: int) -> str:
    return f"{size // 1_000_000}M" if size >= 1_000_000 else f"{size // 1_000}k"


def _rows(steps: dict[int, dict[str, Any]]) -> list[Row]:
    first_size = min(steps)
    first = steps[first_size]
    rows: list[Row] = []
    for size, step in steps.items():
        label, compare = _label(size), size != first_size
        rps, base_rps = step["ingest"]["rps"], first["ingest"]["rps"]
        p50, base_p50 = step["verification"]["p50_ms"], first["verification"]["p50_ms"]
        rows += [
            Row(
                SECTION, f"ingest (single POSTs, c=16), {label} stored", rps, "req/s",
                base_rps if compare else None,
                round(rps / base_rps, 2) if compare and base_rps else None,
                "within 20 %" if compare else None,
                rps >= 0.8 * base_rps if compare else None,
            ),
            Row(
                SECTION, f"verify 20-record batch p50, {label} stored", p50, "ms",
                base_p50 if compare else None,
                round(base_p50 / p50, 2) if compare and p50 else None,
                "within 20 %" if compare else None,
                p50 <= 1.2 * base_p50 if compare else None,
            ),
            Row(SECTION, f"verify 20-record batch p99, {label} stored",
                step["verification"]["p99_ms"], "ms"),
        ]  # fmt: skip
    return rows


def measure_growth(chain: Chain, workdir: Path, quick: bool) -> tuple[list[Row], dict[str, Any]]:
    sizes = (1_000, 5_000) if quick else (10_000, 1_000_000)
    url = f"sqlite:///{workdir / 'growth.db'}"
    filler = Filler(budget_s=30 if quick else 600)
    steps = {size: measure_size(chain, url, workdir, filler, size, quick) for size in sizes}
    details = {
        "batch_records": BATCH_RECORDS,
        "fill_budget_s": filler.budget_s,
        "steps": {_label(size): step for size, step in steps.items()},
    }
    return _rows(steps), details


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1k and 5k records, not 10k and 1M")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="lotproof-growth-") as tmp,
        stack.chain(Path(tmp)) as chain,
    ):
        rows, details = measure_growth(chain, Path(tmp), args.quick)
    print(table(rows))
    print(json.dumps(details, indent=2, default=str))


if __name__ == "__main__":
    main()
