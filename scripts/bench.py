"""The Lotproof benchmark: anchoring cost, ingest, anchoring delay, verification, growth.

Runs on this machine against a real Hardhat node and the service started as its own processes
in production mode (``scripts/benchkit/stack.py``), measures every figure that has a target in
ONE run (so that ratios compare figures taken under the same conditions), prints a table and
writes the JSON under ``var/bench/`` (``latest.json`` and a time-stamped copy).

Usage (from the repository root; ``make bench`` / ``make bench-quick``):
    .venv/bin/python scripts/bench.py            # the full run (about 15 minutes)
    .venv/bin/python scripts/bench.py --quick    # small sizes: a smoke test (under 2 minutes)
    .venv/bin/python scripts/bench.py --only gas,verify

Timing is never asserted by ``make test``; this script is where the numbers come from.
"""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from scripts.benchkit import report, stack  # noqa: E402
from scripts.benchkit.report import Row  # noqa: E402

SECTIONS = ("gas", "ingest", "verify", "offline", "growth")
Measured = tuple[list[Row], dict[str, Any]]


def _gas(chain: stack.Chain, work: Path, quick: bool) -> Measured:
    from scripts.benchkit import gas

    return gas.measure(chain, quick)


def _ingest(chain: stack.Chain, work: Path, quick: bool) -> Measured:
    from scripts.benchkit import delay, ingest

    rows, details = ingest.measure_baseline(chain, quick)
    with stack.service(chain, f"sqlite:///{work}/ingest.db", work) as svc:
        _add((rows, details), ingest.measure_ingest(svc, "sqlite", quick), "sqlite")
        _add((rows, details), delay.measure_anchoring_delay(svc, quick), "delay")
    with ingest.postgres_database() as url:
        if url is None:
            details["postgresql"] = "not reachable: skipped"
        else:
            with stack.service(chain, url, work) as svc:
                _add((rows, details), ingest.measure_ingest(svc, "postgresql", quick), "pg")
    measured = [d for k in ("sqlite", "pg") if isinstance(d := details.get(k), dict)]
    rows += ingest.ratio_rows(measured, details)
    return rows, details


def _verify(chain: stack.Chain, work: Path, quick: bool) -> Measured:
    from scripts.benchkit import cacheoff, verify

    url = f"sqlite:///{work}/verify.db"
    with stack.service(chain, url, work) as svc:
        lot = verify.make_lot(svc)
        measured = verify.measure_verification(chain, svc, lot, quick)
    # The same anchored lot, served by a service whose answer cache is off.
    with stack.service(chain, url, work, extra_env=cacheoff.CACHE_OFF) as svc:
        _add(measured, cacheoff.measure_cache_off(svc, lot, quick), "cache_off")
    return measured


def _offline(chain: stack.Chain, work: Path, quick: bool) -> Measured:
    from scripts.benchkit import offline

    return offline.measure_offline(quick)


def _growth(chain: stack.Chain, work: Path, quick: bool) -> Measured:
    from scripts.benchkit import growth

    return growth.measure_growth(chain, work, quick)


RUNNERS: dict[str, Callable[[stack.Chain, Path, bool], Measured]] = {
    "gas": _gas,
    "ingest": _ingest,
    "verify": _verify,
    "offline": _offline,
    "growth": _growth,
}


def _add(into: Measured, part: Measured, key: str) -> None:
    into[0].extend(part[0])
    into[1][key] = part[1]


def main() -> int:
    # `timeout` or CI stopping us: unwind normally, so that the chain, the service processes
    # and the temporary databases are torn down.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke test)")
    parser.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "var" / "bench")
    args = parser.parse_args()
    sections = [s for s in args.only.split(",") if s]
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    rows: list[Row] = []
    details: dict[str, Any] = {}
    started = time.monotonic()
    with (
        tempfile.TemporaryDirectory(prefix="lotproof-bench-") as tmp,
        stack.chain(Path(tmp)) as chain,
    ):
        for section in sections:
            print(f"-- {section} ...", file=sys.stderr, flush=True)
            section_started = time.monotonic()
            part_rows, part_details = RUNNERS[section](chain, Path(tmp), args.quick)
            rows += part_rows
            details[section] = part_details | {
                "seconds": round(time.monotonic() - section_started, 1)
            }
    details["seconds"] = round(time.monotonic() - started, 1)
    print(report.table(rows))
    path = report.write_json(args.out, rows, details, args.quick)
    print(f"\nwrote {path.relative_to(REPO_ROOT)} in {details['seconds']:.0f} s", file=sys.stderr)
    missed = [r for r in rows if r.met is False]
    if missed:
        print(f"{len(missed)} target(s) missed: see the rows marked NO", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
