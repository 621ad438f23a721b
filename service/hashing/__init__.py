"""Canonical records and their digests. CONSENSUS-CRITICAL: see DESIGN.md §2.

Every digest ever anchored must recompute identically forever, so version 1 is frozen:
a change in output is a new module beside ``v1``, selected by the record's ``"v"`` field.
"""

from service.hashing.v1 import (
    RECORD_VERSION,
    build_record,
    digest_from_hex,
    digest_to_hex,
    record_digest,
)

__all__ = ["RECORD_VERSION", "build_record", "digest_from_hex", "digest_to_hex", "record_digest"]
