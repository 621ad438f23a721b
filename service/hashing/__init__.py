"""Canonical records and their digests. CONSENSUS-CRITICAL: see docs/design.md §2.

Every digest ever anchored must recompute identically forever, so version 1 is frozen:
a change in output is a new module beside ``v1``, selected by the record's ``"v"`` field.
Version 2 (``v2``) is the organisation-scoped record; batches keep using v1.
"""

from __future__ import annotations

from typing import Any

from service.hashing import v1, v2
from service.hashing.v1 import (
    RECORD_VERSION,
    build_record,
    canonical_bytes,
    digest_from_hex,
    digest_to_hex,
)
from service.hashing.v2 import build_org_record

_DIGESTS = {v1.RECORD_VERSION: v1.record_digest, v2.RECORD_VERSION: v2.record_digest}
_DIGESTS_OF_CANONICAL = {
    v1.RECORD_VERSION: v1.digest_of_canonical,
    v2.RECORD_VERSION: v2.digest_of_canonical,
}


def _known_version(record: dict[str, Any]) -> int:
    version = record.get("v")
    # `True == 1` in Python, so a boolean must not pass for version 1.
    if not isinstance(version, int) or isinstance(version, bool) or version not in _DIGESTS:
        raise ValueError(f"unknown record version {version!r}")
    return version


def record_digest(record: dict[str, Any]) -> bytes:
    """The digest of a record of any known version, chosen by its ``"v"`` field."""
    return _DIGESTS[_known_version(record)](record)


def canonical_record(record: dict[str, Any]) -> tuple[bytes, bytes]:
    """A record's canonical bytes and the digest of exactly those bytes (by its ``"v"``),
    for the writer, which stores both and so canonicalises once."""
    canonical = canonical_bytes(record)
    return canonical, _DIGESTS_OF_CANONICAL[_known_version(record)](canonical)


__all__ = [
    "RECORD_VERSION",
    "build_org_record",
    "build_record",
    "canonical_bytes",
    "canonical_record",
    "digest_from_hex",
    "digest_to_hex",
    "record_digest",
]
