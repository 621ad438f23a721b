"""Prometheus metrics (exposed at /metrics)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge

REGISTRY = CollectorRegistry()
RECORDS_RECORDED = Counter(
    "lotproof_records_recorded", "Event records written", ["type"], registry=REGISTRY
)
RECORDS_ANCHORED = Counter(
    "lotproof_records_anchored", "Records committed on chain", registry=REGISTRY
)
CHAIN_UP = Gauge("lotproof_chain_ok", "1 when the chain and contract check out", registry=REGISTRY)
