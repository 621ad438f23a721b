"""Record format version 1 [frozen]: ``digest = sha256(JCS(record))``.

JCS is RFC 8785 JSON Canonicalization, so any implementation in any language that
canonicalises the same JSON value gets the same bytes and therefore the same digest.
Do not edit the output of anything here; add ``v2`` beside it instead.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from service.hashing import jcs

RECORD_VERSION = 1
_DIGEST_HEX = re.compile(r"^0x[0-9a-f]{64}$")


def build_record(
    *,
    gtin: str,
    lot: str,
    n: int,
    prev: bytes | None,
    event: dict[str, Any],
    actor: str,
    recorded_at: str,
    salt: bytes,
) -> dict[str, Any]:
    """The v1 record as a JSON value; ``prev`` is the digest of record ``n - 1`` or None."""
    if n < 0:
        raise ValueError("n must be >= 0")
    if (n == 0) != (prev is None):
        raise ValueError("prev must be None exactly when n == 0")
    if len(salt) != 32:
        raise ValueError("salt must be 32 bytes")
    return {
        "v": RECORD_VERSION,
        "batch": {"gtin": gtin, "lot": lot},
        "n": n,
        "prev": None if prev is None else digest_to_hex(prev),
        "event": event,
        "actor": actor,
        "recordedAt": recorded_at,
        "salt": "0x" + salt.hex(),
    }


def canonical_bytes(record: dict[str, Any]) -> bytes:
    """RFC 8785 canonical UTF-8 bytes of a JSON value (``jcs.dumps``: the same bytes as the
    ``rfc8785`` package, faster; see that module and its property test)."""
    return jcs.dumps(record)


def record_digest(record: dict[str, Any]) -> bytes:
    """The 32-byte v1 digest of a record."""
    if record.get("v") != RECORD_VERSION:
        raise ValueError(f"not a v{RECORD_VERSION} record")
    return digest_of_canonical(canonical_bytes(record))


def digest_of_canonical(canonical: bytes) -> bytes:
    """The v1 digest of a record already in canonical form (``canonical_bytes``): callers
    that store those bytes too canonicalise once instead of twice."""
    return hashlib.sha256(canonical).digest()


def digest_to_hex(digest: bytes) -> str:
    """A digest as it appears at the API edge: ``0x`` + 64 lowercase hex."""
    if len(digest) != 32:
        raise ValueError("digest must be 32 bytes")
    return "0x" + digest.hex()


def digest_from_hex(text: str) -> bytes:
    """Parse the edge form of a digest; only ``0x`` + 64 lowercase hex is accepted."""
    if not _DIGEST_HEX.fullmatch(text):
        raise ValueError("digest must be 0x followed by 64 lowercase hex digits")
    return bytes.fromhex(text[2:])
