"""Verification with the resolver's answer cache off: what every scan costs when it is built.

The verification section measures the service as configured by default, where repeated scans
of one lot are served from the per-process answer cache (``LOTPROOF_CONSUMER_CACHE_TTL_S``,
1 s). This measures the same anchored lot with that cache off, so the cost of building an
answer (queries, proof checks, rendering) is on the record too.
"""

from __future__ import annotations

from typing import Any

from scripts.benchkit import verify
from scripts.benchkit.report import Row
from scripts.benchkit.stack import Service

CACHE_OFF = {"LOTPROOF_CONSUMER_CACHE_TTL_S": "0"}


def measure_cache_off(
    svc: Service, lot: verify.Lot, quick: bool
) -> tuple[list[Row], dict[str, Any]]:
    """JSON and HTML loads on ``lot`` against ``svc`` (started with ``CACHE_OFF``)."""
    total = 50 if quick else 1500
    rows: list[Row] = []
    details: dict[str, Any] = {"env": CACHE_OFF}
    for name, accept in (("JSON", verify.JSON), ("HTML", verify.HTML)):
        verify.run_page_load(svc, lot, accept, total // 5)  # warm-up
        result = verify.run_page_load(svc, lot, accept, total)
        if result.cache.get("hit") or result.cache.get("stale"):
            raise RuntimeError(f"cache off, yet answers came from it: {result.cache}")
        rows += [
            Row(verify.SECTION, f"consumer {name}, cache off: throughput", result.rps, "req/s"),
            Row(verify.SECTION, f"consumer {name}, cache off: p50", result.p50_ms, "ms"),
            Row(verify.SECTION, f"consumer {name}, cache off: p99", result.p99_ms, "ms"),
        ]
        details[name.lower()] = result.summary()
    return rows, details
