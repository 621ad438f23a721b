"""Record format version 2, an *organisation's* history: ``digest = sha256(JCS(record))``.

Version 1 (``v1.py``, frozen) is scoped to a batch: ``"batch": {"gtin", "lot"}``. Facts about
an organisation itself (a qualification certificate, a suspension by the platform) belong to
no batch, so version 2 is the same record with the batch replaced by a subject::

    {"v": 2, "subject": {"org": "<org slug>"}, "n": 0, "prev": null, "event": {...},
     "actor": "<org slug>", "recordedAt": "2026-11-23T08:00:00.000Z", "salt": "0x<64 hex>"}

``n``/``prev`` chain one organisation's records exactly as v1 chains a batch's, digests are
anchored in the same Merkle batches, and the canonicalisation (RFC 8785) and digest (SHA-256)
are v1's. Golden vectors: ``tests/vectors/record_digests_v2.json``. Frozen like v1 once
anything is anchored with it: a change in output is a ``v3`` beside it.
"""

from __future__ import annotations

import hashlib
from typing import Any

from service.hashing.v1 import canonical_bytes, digest_to_hex

RECORD_VERSION = 2


def build_org_record(
    *,
    org: str,
    n: int,
    prev: bytes | None,
    event: dict[str, Any],
    actor: str,
    recorded_at: str,
    salt: bytes,
) -> dict[str, Any]:
    """The v2 record of ``org``'s history; ``prev`` is the digest of record ``n - 1`` or None."""
    if not org:
        raise ValueError("org must not be empty")
    if n < 0:
        raise ValueError("n must be >= 0")
    if (n == 0) != (prev is None):
        raise ValueError("prev must be None exactly when n == 0")
    if len(salt) != 32:
        raise ValueError("salt must be 32 bytes")
    return {
        "v": RECORD_VERSION,
        "subject": {"org": org},
        "n": n,
        "prev": None if prev is None else digest_to_hex(prev),
        "event": event,
        "actor": actor,
        "recordedAt": recorded_at,
        "salt": "0x" + salt.hex(),
    }


def record_digest(record: dict[str, Any]) -> bytes:
    """The 32-byte v2 digest of a record."""
    if record.get("v") != RECORD_VERSION:
        raise ValueError(f"not a v{RECORD_VERSION} record")
    return digest_of_canonical(canonical_bytes(record))


def digest_of_canonical(canonical: bytes) -> bytes:
    """The v2 digest of a record already in canonical form (as v1's)."""
    return hashlib.sha256(canonical).digest()
