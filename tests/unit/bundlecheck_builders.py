"""Bundles built from real records, and a TraceAnchor in memory to check them against."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from service.hashing import build_record, digest_to_hex, record_digest
from service.ledger.interface import LedgerUnavailable, OnChainAnchor
from service.merkle import build_tree, verify_proof

GTIN, LOT = "09506000134352", "L2026-0001"
CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
CHAIN_ID = 31337
STEPS = ("commissioning", "inspecting", "shipping", "receiving")
FOREIGN_DIGEST = b"\x77" * 32  # another batch's leaf sharing the first anchor


class FakeChain:
    """A TraceAnchor in memory: anchors by index, the contract's verify, a power switch."""

    def __init__(self, anchors: list[OnChainAnchor], chain_id: int = CHAIN_ID) -> None:
        self.anchors = anchors
        self.id = chain_id
        self.down = False
        self.reads = 0

    def _up(self) -> None:
        if self.down:
            raise LedgerUnavailable("chain RPC unreachable: ConnectionError")

    def chain_id(self) -> int:
        self._up()
        return self.id

    def anchor_at(self, index: int) -> OnChainAnchor | None:
        self._up()
        self.reads += 1
        return self.anchors[index] if 0 <= index < len(self.anchors) else None

    def verify(self, root: bytes, digest: bytes, proof: list[bytes]) -> bool:
        self._up()
        anchored = any(a.root == root for a in self.anchors)
        return anchored and verify_proof(root, digest, proof)


def _records() -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    prev: bytes | None = None
    for n, step in enumerate(STEPS):
        event = {"type": "ObjectEvent", "eventTime": f"2026-11-0{n + 2}T08:00:00.000Z",
                 "eventTimeZoneOffset": "+08:00", "action": "ADD" if n == 0 else "OBSERVE",
                 "bizStep": step, "readPoint": {"id": "urn:epc:id:sgln:9506000.13435.2"},
        }  # fmt: skip
        record = build_record(
            gtin=GTIN, lot=LOT, n=n, prev=prev, event=event, actor="acme-farms",
            recorded_at=f"2026-11-0{n + 2}T08:00:01.123Z", salt=bytes([n + 1]) * 32,
        )  # fmt: skip
        records.append(record)
        prev = record_digest(record)
    return records


def make_bundle() -> tuple[dict[str, Any], FakeChain]:
    """Records 0-2 (and a foreign leaf) in anchor 0, record 3 alone in anchor 1."""
    records = _records()
    digests = [record_digest(r) for r in records]
    first = build_tree([*digests[:3], FOREIGN_DIGEST])
    second = build_tree(digests[3:])
    entries = [
        {
            "n": n,
            "record": record,
            "redacted": False,
            "digest": digest_to_hex(digests[n]),
            "anchor_index": 0 if n < 3 else 1,
            "proof": [digest_to_hex(p) for p in (first.proof(n) if n < 3 else second.proof(0))],
        }
        for n, record in enumerate(records)
    ]
    anchors = [
        {"index": 0, "root": digest_to_hex(first.root), "leaf_count": 4,
         "tx_hash": "0x" + "ab" * 32, "block_number": 7},
        {"index": 1, "root": digest_to_hex(second.root), "leaf_count": 1,
         "tx_hash": "0x" + "cd" * 32, "block_number": 9},
    ]  # fmt: skip
    bundle = {
        "format": "lotproof-bundle/1",
        "generated_at": "2026-11-23T02:00:00.000Z",
        "chain_id": CHAIN_ID,
        "contract": CONTRACT,
        "batch": {"gtin": GTIN, "lot": LOT, "product_name": "Green tea", "owner": "acme-farms",
                  "record_count": 4},
        "records": entries,
        "anchors": anchors,
    }  # fmt: skip
    return bundle, FakeChain(
        [
            OnChainAnchor(index=0, root=first.root, leaf_count=4, block_number=7, timestamp=1),
            OnChainAnchor(index=1, root=second.root, leaf_count=1, block_number=9, timestamp=2),
        ]
    )


def write_bundle(tmp_path: Path, bundle: dict[str, Any]) -> Path:
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle), encoding="utf-8")
    return path
