"""Offline proof checks per second in Python, on one core: what a verifier without a chain does.

Two figures: a Merkle proof check alone (``service.merkle.verify_proof``, proofs from a
1,024-leaf tree, so 10 sibling hashes each, the size of a full default anchor), and the whole
record check a consumer request does per record: recompute the digest of a realistic v1 record
(``service.hashing.record_digest``, RFC 8785 + SHA-256) and verify its proof.

Run alone: ``.venv/bin/python -m scripts.benchkit.offline --quick``.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from scripts.benchkit.report import Row, table
from service.hashing import build_record, canonical_bytes, record_digest
from service.merkle import MerkleTree, build_tree, verify_proof
from service.records.epcis import EventType, LotQuantity, format_utc_ms, object_event

SECTION = "offline"
LEAVES = 1024


def realistic_records(count: int) -> list[dict[str, Any]]:
    """v1 records as the service builds them: an EPCIS ObjectEvent with details, chained."""
    records: list[dict[str, Any]] = []
    prev: bytes | None = None
    start = datetime(2026, 11, 2, 8, tzinfo=UTC)
    for n in range(count):
        moment = start + timedelta(minutes=10 * n)
        event = object_event(
            event_type=EventType.packing,
            event_time=moment,
            lot=LotQuantity("09506000134352", "L2026-0001", 1200, "KGM"),
            location="Hangzhou plant 2",
            details={"line": f"L{n % 4}", "operator": f"op-{n % 17}", "shift": n % 3},
            source=None,
            destination=None,
            temperature_c=None,
        )
        record = build_record(
            gtin="09506000134352",
            lot="L2026-0001",
            n=n,
            prev=prev,
            event=event,
            actor="acme-farms",
            recorded_at=format_utc_ms(moment),
            salt=os.urandom(32),
        )
        prev = record_digest(record)
        records.append(record)
    return records


def _rate(check: Callable[[int], bool], seconds: float) -> tuple[float, int]:
    """Checks per second of ``check(i)`` over about ``seconds`` of CPU time (one core)."""
    done = 0
    started = time.process_time()
    deadline = started + seconds
    while time.process_time() < deadline:
        for i in range(256):  # read the clock once per 256 checks, not once per check
            if not check(done + i):
                raise AssertionError(f"check {done + i} failed")
        done += 256
    return done / (time.process_time() - started), done


def measure_offline(quick: bool) -> tuple[list[Row], dict[str, Any]]:
    seconds = 0.5 if quick else 2.0
    records = realistic_records(LEAVES)
    digests = [record_digest(r) for r in records]
    tree = build_tree(digests)
    proofs = [tree.proof(i) for i in range(LEAVES)]

    def proof_only(i: int) -> bool:
        k = i % LEAVES
        return verify_proof(tree.root, digests[k], proofs[k])

    def full_record(i: int) -> bool:
        k = i % LEAVES
        return verify_proof(tree.root, record_digest(records[k]), proofs[k])

    proof_rate, proof_count = _rate(proof_only, seconds)
    record_rate, record_count = _rate(full_record, seconds)
    rows = [
        Row(SECTION, "Merkle proof checks (1,024-leaf tree)", round(proof_rate), "checks/s"),
        Row(SECTION, "record checks (digest + proof)", round(record_rate), "checks/s"),
        Row(SECTION, "record check time", round(1e6 / record_rate, 1), "us"),
    ]
    details = {
        "leaves": LEAVES,
        "proof_length": len(proofs[0]),
        "cpu_seconds_each": seconds,
        "proof_checks": proof_count,
        "record_checks": record_count,
        "record_bytes": _record_size(records[0], tree),
        "keccak_backend": _keccak_backend(),
    }
    return rows, details


def _record_size(record: dict[str, Any], tree: MerkleTree) -> dict[str, int]:
    return {"canonical_json": len(canonical_bytes(record)), "tree_nodes": len(tree.nodes)}


def _keccak_backend() -> str:
    """Which eth-hash backend computes keccak: it sets the cost of a proof check."""
    from eth_hash.auto import keccak

    keccak(b"")  # the backend is chosen on first use
    return str(getattr(keccak.hasher, "__module__", "unknown"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="0.5 s per figure, not 2 s")
    args = parser.parse_args()
    rows, details = measure_offline(args.quick)
    print(table(rows))
    print(json.dumps(details, indent=2))


if __name__ == "__main__":
    main()
