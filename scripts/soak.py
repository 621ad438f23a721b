"""The Lotproof soak test: minutes of mixed supplier writes and consumer scans on loopback.

Starts the real stack the benchmark uses (``scripts/benchkit/stack.py``: a Hardhat node with
TraceAnchor, ``lotproof serve`` and ``lotproof worker`` as processes in production mode, on a
fresh SQLite file or PostgreSQL database) and offers it, open loop and at once, for
``--minutes``:

* single-event POSTs (default 200/s) and one 100-event bulk POST every 1.5 s, spread over
  ``--lanes`` lots written side by side; each lot takes about ``--lot-records`` events, then
  its lane moves on to the next of the batches made beforehand, as a supplier's lots would;
* consumer scans (default 60/s, JSON and HTML alike) of lots anchored before the load,
  each JSON answer checked to say "authentic". Writes to other lots leave their cached
  answers be, so most of these are hits; each lot's answer is rebuilt about once a second
  (the cache's TTL), and ``details.streams`` counts the answers by their X-Cache header;
* a few scans (default 2/s) of the lots being written, which must never say "tampered".

Every error counts: a status other than the expected one, a wrong answer, an exception, a
timeout (30 s). The RSS of the ``lotproof serve`` process tree is sampled every second; its
growth is the median of the last 5 s of load over the median of the 5 s ending the warm-up
(one minute; a third of the run for runs under 3 minutes). Then the load stops and the script
waits until every acknowledged event is anchored, and checks the database: as many records as
201s acknowledged (per lot, and in all, beside the records the fixture made), none pending,
every anchor final; and that the consumer JSON of two written lots (the first filled, the
last written) says "authentic", with every record "verified".

Prints a table and writes ``var/soak/soak-<UTC time>.json`` and ``var/soak/latest.json``.
Exits 1 if there was any error, the RSS grew by 10 % or more, the service logged an error
once the load had started, the service fell behind (1 % of the requests due or more held
back by the cap on requests in flight), or anything was left unanchored.

Usage (from the repository root; ``make soak``):
    .venv/bin/python scripts/soak.py                 # 10 minutes, about 11-12 with setup
    .venv/bin/python scripts/soak.py --minutes 1     # a short run (20 s warm-up)
    .venv/bin/python scripts/soak.py --database postgresql
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import resource
import signal
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from scripts.benchkit import ingest, report, stack  # noqa: E402
from scripts.benchkit.pg import postgres_database  # noqa: E402
from scripts.benchkit.report import Row  # noqa: E402
from scripts.benchkit.soakload import (  # noqa: E402
    Lanes,
    Plan,
    Sampler,
    Stream,
    run,
    scan_streams,
    write_streams,
)
from scripts.benchkit.stack import Service  # noqa: E402
from scripts.benchkit.verify import Lot, make_lot, wait_authentic  # noqa: E402
from service.db.models import Anchor, AnchorStatus, Batch, Record, RecordStatus  # noqa: E402

SECTION = "soak"
MAX_GROWTH_PCT = 10.0
WINDOW_S = 5.0  # RSS is the median over this many seconds of samples
# In flight at most, per group: writes stay below the service's 40 HTTP threads (see
# ingest.MAX_IN_FLIGHT); scans are answered on the event loop or in those same threads.
CAPS = {"write": 24, "read": 32}


def progress(message: str) -> None:
    print(f"[soak {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def lots_of(svc: Service, batch_ids: list[int], supplier_key: str) -> list[Lot]:
    with svc.sessions.read() as session:
        query = select(Batch.id, Batch.gtin, Batch.lot).where(Batch.id.in_(batch_ids))
        found = {i: Lot(i, gtin, lot, supplier_key) for i, gtin, lot in session.execute(query)}
    return [found[i] for i in batch_ids]


def count_records(svc: Service) -> int:
    with svc.sessions.read() as session:
        return int(session.scalar(select(func.count()).select_from(Record)) or 0)


def _not_final(session: Session) -> int:
    unfinal = select(func.count()).select_from(Record).join(Anchor, Record.anchor_id == Anchor.id)
    return int(session.scalar(unfinal.where(Anchor.status != AnchorStatus.final)) or 0)


def _grouped(session: Session, key: Any, value: Any, *where: Any) -> dict[Any, int]:
    rows = session.execute(select(key, value).where(*where).group_by(key))
    return {k: int(n) for k, n in rows}


def check_database(svc: Service, lanes: Lanes, before: int, timeout: float) -> dict[str, Any]:
    """After the drain: records in all and per lot, by status, and in anchors not yet final."""
    ids = [lot.batch_id for lot in lanes.lots]
    deadline = time.monotonic() + timeout
    with svc.sessions.read() as session:
        # An anchor is final once the worker has read its root back from the chain: a tick
        # after the records stop being pending.
        while (not_final := _not_final(session)) and time.monotonic() < deadline:
            session.rollback()  # a fresh snapshot for the next read
            time.sleep(0.5)
        by_status = _grouped(session, Record.status, func.count())
        anchors = _grouped(session, Anchor.status, func.count())
        per_lot = _grouped(session, Record.batch_id, func.count(), Record.batch_id.in_(ids))
        heads = _grouped(session, Batch.id, func.max(Batch.record_count), Batch.id.in_(ids))
    acknowledged = sum(lanes.accepted.values())
    mismatched = [i for i in ids if not per_lot.get(i, 0) == heads.get(i, 0) == lanes.accepted[i]]
    return {
        "records_before_load": before,
        "events_acknowledged": acknowledged,
        "records_total": sum(by_status.values()),
        "records_expected": before + acknowledged,
        "records_by_status": by_status,
        "records_pending": by_status.get(RecordStatus.pending, 0),
        "records_in_anchors_not_final": not_final,
        "anchors_by_status": anchors,
        "lots_written": sum(1 for i in ids if lanes.accepted[i]),
        "lots_whose_count_differs": mismatched[:20],
    }


def check_consumer(svc: Service, lanes: Lanes) -> dict[str, Any]:
    """The consumer JSON of the first lot filled and the last one written."""
    written = [lot for lot in lanes.lots if lanes.accepted[lot.batch_id]]
    out: dict[str, Any] = {}
    for lot in dict.fromkeys([written[0], written[-1]]):
        try:
            facts = wait_authentic(svc, lot, timeout=120)
        except RuntimeError as e:
            out[lot.path] = {"ok": False, "error": str(e)[:400]}
            continue
        verdicts = Counter(r["verdict"] for r in facts["records"])
        out[lot.path] = {
            "verdict": facts["verdict"],
            "records": len(facts["records"]),
            "acknowledged": lanes.accepted[lot.batch_id],
            "record_verdicts": dict(verdicts),
            "ok": facts["verdict"] == "authentic"
            and verdicts == Counter({"verified": lanes.accepted[lot.batch_id]}),
        }
    return out


def log_errors(path: Path, start: int = 0, end: int | None = None) -> list[str]:
    """Error lines of the service's log between two byte offsets."""
    markers = ("Traceback", " ERROR ", "ERROR:", "CRITICAL")
    with path.open("rb") as log:
        log.seek(start)
        text = log.read(-1 if end is None else end - start).decode(errors="replace")
    return [line[:300] for line in text.splitlines() if any(m in line for m in markers)]


def _mib(n: float) -> float:
    return round(n / 2**20, 1)


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def heartbeat(streams: list[Stream], sampler: Sampler, every_s: float) -> threading.Event:
    """Say how the load goes every ``every_s`` (a 10-minute run is long to watch in silence)."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(every_s):
            sent, errors = sum(s.sent for s in streams), sum(s.errors for s in streams)
            rss = sampler.samples[-1].serve_rss if sampler.samples else 0
            progress(f"{sent:,} requests, {errors} errors; serve RSS {_mib(rss)} MiB")

    threading.Thread(target=beat, daemon=True).start()
    return stop


@dataclass
class Run:
    """What one soak saw, gathered for the rows and the JSON."""

    plan: Plan
    streams: list[Stream]
    sampler: Sampler
    load_s: float
    setup_s: float
    cpu: dict[str, float]
    dead: list[str]
    drain_s: float | None
    database: dict[str, Any]
    consumer: dict[str, Any]
    log_errors: list[str]  # logged from the start of the load on
    startup_log_errors: list[str]


def soak(plan: Plan, svc: Service, log: Path) -> Run:
    started = time.monotonic()
    pool = Lanes.pool_size(plan.lanes, plan.lot_records, plan.events)
    progress(f"setup: a supplier with {pool} batches, {plan.anchored_lots} anchored lots")
    fx = ingest.prepare(svc, batches=pool)
    key = fx.headers["Authorization"].removeprefix("Bearer ")
    lanes = Lanes(lots_of(svc, fx.batch_ids, key), plan.lanes, plan.lot_records)
    anchored = [make_lot(svc, supplier_key=key) for _ in range(plan.anchored_lots)]
    for lot in anchored:
        wait_authentic(svc, lot)
    before = count_records(svc)
    streams = write_streams(plan, lanes, fx.headers) + scan_streams(plan, anchored, lanes)
    setup_s = time.monotonic() - started
    progress(f"load: {plan.minutes:g} min, {plan.warm_up_s:.0f} s of it warm-up")
    log_start = log.stat().st_size
    sampler = Sampler(svc.processes[1].pid, svc.processes[0].pid).start()
    psutil.cpu_percent(None)  # opens the machine-wide window
    own_cpu = _own_cpu()
    stop_beat = heartbeat(streams, sampler, 60.0 if plan.seconds >= 180 else 15.0)
    load_s = run(svc.base_url, streams, CAPS, plan.seconds)
    stop_beat.set()
    cpus = psutil.cpu_count() or 1
    first, last = sampler.samples[0], sampler.sample()
    wall = max(last.at_s - first.at_s, 1e-9)
    cpu = {
        "serve_share": (last.serve_cpu_s - first.serve_cpu_s) / wall / cpus,
        "worker_share": (last.worker_cpu_s - first.worker_cpu_s) / wall / cpus,
        "machine_busy": psutil.cpu_percent(None) / 100,
        "client_share": (_own_cpu() - own_cpu) / load_s / cpus,
    }
    dead = [str(p.args) for p in svc.processes if p.poll() is not None]
    progress(f"drain: waiting until all {sum(lanes.accepted.values()):,} events are anchored")
    drain_s: float | None = None
    with contextlib.suppress(RuntimeError):  # reported below as records still pending
        drain_s = stack.wait_anchored(svc, timeout=max(600.0, plan.events / 100))
    database = check_database(svc, lanes, before, timeout=120)
    consumer = check_consumer(svc, lanes)
    sampler.stop()
    return Run(plan, streams, sampler, load_s, setup_s, cpu, dead, drain_s, database, consumer,
               log_errors(log, log_start), log_errors(log, 0, log_start))  # fmt: skip


def rows_of(run: Run, total_s: float) -> list[Row]:
    rows: list[Row] = [Row(SECTION, "load duration", round(run.load_s, 1), "s")]
    for s in run.streams:
        achieved = round(s.sent / run.plan.seconds, 1)
        p99 = s.summary(run.plan.seconds)["p99_ms"]
        rows += [
            Row(SECTION, f"{s.name}: sent per s (offered {s.rate:g})", achieved, "req/s"),
            Row(SECTION, f"{s.name}: p99", p99, "ms"),
            Row(SECTION, f"{s.name}: errors", s.errors, "requests", target="0", met=not s.errors),
        ]
    plan, sampler, db = run.plan, run.sampler, run.database
    behind = sum(s.summary(plan.seconds)["not_sent_behind_schedule"] for s in run.streams)
    due = sum(math.floor(s.rate * plan.seconds) for s in run.streams)
    warm = sampler.serve_rss_around(plan.warm_up_s - WINDOW_S, plan.warm_up_s)
    end = sampler.serve_rss_around(plan.seconds - WINDOW_S, plan.seconds)
    growth = round((end - warm) / warm * 100, 2) if warm else 100.0
    peak = max(s.serve_rss for s in sampler.samples if s.at_s <= plan.seconds)
    consumer_ok = sum(1 for c in run.consumer.values() if c["ok"])
    rows += [
        # Open loop, at most CAPS in flight: a service that cannot keep up holds requests back.
        # A stall near the end leaves a few unsent; a service short of CPU leaves many.
        Row(SECTION, "requests due but not sent (service behind)", behind, "requests",
            target=f"< 1 % ({due / 100:,.0f})", met=behind < due / 100),
        Row(SECTION, f"serve RSS after warm-up ({plan.warm_up_s:.0f} s)", _mib(warm), "MiB"),
        Row(SECTION, "serve RSS at end of load", _mib(end), "MiB"),
        Row(SECTION, "serve RSS growth", growth, "%", target=f"< {MAX_GROWTH_PCT:g}",
            met=growth < MAX_GROWTH_PCT),
        Row(SECTION, "serve RSS peak during load", _mib(peak), "MiB"),
        Row(SECTION, "worker RSS at end of load", _mib(sampler.samples[-1].worker_rss), "MiB"),
        Row(SECTION, "serve CPU, of all cores", _pct(run.cpu["serve_share"]), "%"),
        Row(SECTION, "worker CPU, of all cores", _pct(run.cpu["worker_share"]), "%"),
        Row(SECTION, "machine CPU busy during load", _pct(run.cpu["machine_busy"]), "%"),
        Row(SECTION, "soak client CPU, of all cores", _pct(run.cpu["client_share"]), "%"),
        Row(SECTION, "service processes that exited", len(run.dead), "", target="0",
            met=not run.dead),
        Row(SECTION, "events acknowledged (201)", db["events_acknowledged"], "events"),
        Row(SECTION, "records in the database", db["records_total"], "records",
            target=f"= {db['records_expected']:,}",
            met=db["records_total"] == db["records_expected"]),
        Row(SECTION, "lots whose record count differs", len(db["lots_whose_count_differs"]),
            "lots", target="0", met=not db["lots_whose_count_differs"]),
        Row(SECTION, "records pending after the drain", db["records_pending"], "records",
            target="0", met=db["records_pending"] == 0),
        Row(SECTION, "records in anchors not final", db["records_in_anchors_not_final"],
            "records", target="0", met=db["records_in_anchors_not_final"] == 0),
        Row(SECTION, "drain: end of load to all anchored", round(run.drain_s or -1, 1), "s"),
        Row(SECTION, "written lots authentic (consumer JSON)", consumer_ok, "lots",
            target=f"= {len(run.consumer)}", met=consumer_ok == len(run.consumer)),
        Row(SECTION, "service log errors from load start", len(run.log_errors), "lines",
            target="0",
            met=not run.log_errors),
        Row(SECTION, "total duration, setup included", round(total_s), "s"),
    ]  # fmt: skip
    return rows


def _pct(share: float) -> float:
    return round(share * 100, 1)


def details_of(run: Run) -> dict[str, Any]:
    return {
        "streams": {s.name: s.summary(run.plan.seconds) for s in run.streams},
        "caps_in_flight": CAPS,
        "cpu": {k: round(v, 4) for k, v in run.cpu.items()},
        "setup_s": round(run.setup_s, 1),
        "load_s": round(run.load_s, 1),
        "drain_s": None if run.drain_s is None else round(run.drain_s, 1),
        "rss_window_s": WINDOW_S,
        "rss_how": "median of 1 s samples over the window ending at the warm-up / end of load",
        # [seconds since load start, serve MiB, worker MiB]; samples after the load: the drain.
        "rss_samples": [
            [s.at_s, _mib(s.serve_rss), _mib(s.worker_rss)] for s in run.sampler.samples
        ],
        "database": run.database,
        "consumer_check": run.consumer,
        "exited_processes": run.dead,
        "service_log_errors": run.log_errors[:20],
        # Before the load (not counted): e.g. serve checking the chain before the worker has
        # recorded the contract's deployment.
        "service_log_errors_at_startup": run.startup_log_errors[:20],
    }


def write_json(directory: Path, document: dict[str, Any]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"soak-{document['when']}.json"
    text = json.dumps(document, indent=2, default=str) + "\n"
    path.write_text(text)
    (directory / "latest.json").write_text(text)
    return path


@contextlib.contextmanager
def database(kind: str, workdir: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{workdir / 'soak.db'}"
        return
    with postgres_database() as url:
        if url is None:
            raise SystemExit("PostgreSQL at 127.0.0.1:5432 does not answer")
        yield url


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add = parser.add_argument
    add("--minutes", type=float, default=10.0, help="length of the load (default 10)")
    add("--single-rate", type=float, default=200.0, help="single-event POSTs per second")
    add("--bulk-every", type=float, default=1.5, help="seconds between bulk POSTs")
    add("--bulk-events", type=int, default=100, help="events per bulk POST")
    add("--scan-rate", type=float, default=60.0, help="scans of anchored lots per second")
    add("--writing-scan-rate", type=float, default=2.0, help="scans of lots being written /s")
    add("--lanes", type=int, default=8, help="lots written side by side")
    add("--lot-records", type=int, default=200, help="events per written lot, about")
    add("--anchored-lots", type=int, default=4, help="anchored 20-record lots to scan")
    add("--database", choices=("sqlite", "postgresql"), default="sqlite")
    add("--http-workers", type=int, default=1, help="lotproof serve --workers")
    add(
        "--anchor-interval",
        type=float,
        default=5.0,
        help="LOTPROOF_ANCHOR_INTERVAL (default 5, as in production)",
    )
    add("--workdir", type=Path, help="keep the database and logs here (default: a temp dir)")
    add("--out", type=Path, default=REPO_ROOT / "var" / "soak")
    return parser.parse_args()


def main() -> int:
    # `timeout` or CI stopping us: unwind, so that the chain and the service processes go too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    args = parse_args()
    plan = Plan(args.minutes, args.single_rate, args.bulk_every, args.bulk_events,
                args.scan_rate, args.writing_scan_rate, args.lanes, args.lot_records,
                args.anchored_lots)  # fmt: skip
    started = time.monotonic()
    with contextlib.ExitStack() as cleanup:
        workdir = args.workdir or Path(cleanup.enter_context(tempfile.TemporaryDirectory()))
        workdir.mkdir(parents=True, exist_ok=True)
        chain = cleanup.enter_context(stack.chain(workdir))
        url = cleanup.enter_context(database(args.database, workdir))
        svc = cleanup.enter_context(
            stack.service(chain, url, workdir, http_workers=args.http_workers,
                          anchor_interval=args.anchor_interval)
        )  # fmt: skip
        result = soak(plan, svc, workdir / "service.log")
    total_s = time.monotonic() - started
    rows = rows_of(result, total_s)
    passed = all(r.met is not False for r in rows)
    document = {
        "when": datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"),
        "passed": passed,
        "machine": report.machine(),
        "plan": vars(args) | {"warm_up_s": plan.warm_up_s, "events_offered": plan.events},
        "rows": [asdict(r) for r in rows],
        "details": details_of(result) | {"total_s": round(total_s, 1)},
    }
    print(report.table(rows))
    path = write_json(args.out, document)
    where = path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path
    verdict = "PASSED" if passed else "FAILED: see the rows marked NO"
    print(f"\n{verdict}; wrote {where} in {total_s:.0f} s", file=sys.stderr)
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
