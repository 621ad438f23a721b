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


def record_digest(record: dict[str, Any]) -> bytes:
    """The digest of a record of any known version, chosen by its ``"v"`` field."""
    version = record.get("v")
    # `True == 1` in Python, so a boolean must not pass for version 1.
    if not isinstance(version, int) or isinstance(version, bool):
        raise ValueError(f"unknown record version {version!r}")
    digest = _DIGESTS.get(version)
    if digest is None:
        raise ValueError(f"unknown record version {version!r}")
    return digest(record)


__all__ = [
    "RECORD_VERSION",
    "build_org_record",
    "build_record",
    "canonical_bytes",
    "digest_from_hex",
    "digest_to_hex",
    "record_digest",
]
