"""Prometheus metrics (exposed at /metrics)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

REGISTRY = CollectorRegistry()
RECORDS_RECORDED = Counter(
    "lotproof_records_recorded", "Event records written", ["type"], registry=REGISTRY
)
RECORDS_ANCHORED = Counter(
    "lotproof_records_anchored", "Records committed on chain", registry=REGISTRY
)
ANCHOR_FEE_BUMPS = Counter(
    "lotproof_anchor_fee_bumps",
    "Stuck anchor transactions replaced with higher fees",
    registry=REGISTRY,
)
ANCHORS_DROPPED = Counter(
    "lotproof_anchors_dropped",
    "Anchors whose block left the chain (a reorg) before they were final",
    registry=REGISTRY,
)
CONSUMER_CACHE = Counter(
    "lotproof_consumer_cache_lookups",
    "Resolver answers served from the per-process cache (hit) or built afresh (miss)",
    ["outcome"],
    registry=REGISTRY,
)
CONSUMER_CACHE_BYTES = Gauge(
    "lotproof_consumer_cache_bytes",
    "Bytes of resolver answers held by this process's cache (bounded by its size limit)",
    registry=REGISTRY,
)
GROUP_COMMIT_SIZE = Histogram(
    "lotproof_group_commit_size",
    "Writes that shared one transaction (group commit of single-event POSTs)",
    ["queue"],
    buckets=(1, 2, 4, 8, 16, 32, 64),
    registry=REGISTRY,
)
OLDEST_PENDING_AGE = Gauge(
    "lotproof_oldest_pending_record_age_seconds",
    "Age of the oldest record not yet anchored (0 when none); alert when it keeps growing",
    registry=REGISTRY,
)
CHAIN_UP = Gauge("lotproof_chain_ok", "1 when the chain and contract check out", registry=REGISTRY)


def monitor_exposition(checked_at: float | None, anchors: int, discrepancies: int) -> bytes:
    """The last `lotproof monitor` result (kept in the database, since the monitor usually runs
    as its own process) in the Prometheus text format."""
    registry = CollectorRegistry()
    if checked_at is not None:
        Gauge(
            "lotproof_monitor_last_run_timestamp_seconds",
            "When the anchor monitor last ran",
            registry=registry,
        ).set(checked_at)
        Gauge(
            "lotproof_monitor_anchors_checked", "Anchors checked by the last run", registry=registry
        ).set(anchors)
        Gauge(
            "lotproof_monitor_discrepancies",
            "Discrepancies found by the last run (0 = chain and service agree)",
            registry=registry,
        ).set(discrepancies)
    return generate_latest(registry)
