"""Merkle proofs already checked, remembered in a fixed table that never grows.

Checking a proof is a pure function of (root, digest, proof), so remembering its answer trusts
nothing stored: the digest is still recomputed from the record on every verification
(docs/design.md §7); only the keccak work of a proof already checked is saved.

Each proof is named by a SHA-256 of the three (fixed-width values, so the concatenation is
unambiguous). Its first 8 bytes pick a slot of a table allocated once; the other 24 are kept
there. A proof found to hold is written to its slot, replacing whatever was there; one that
fails is not remembered (a tampered record is rare, and it is checked again next time).

Why a table and not an LRU of Python objects: a long-running server verifies a steady stream
of newly anchored records, so an ``OrderedDict`` of 32-byte keys keeps growing towards its
limit, megabytes of small objects when full. Those long-lived objects, scattered among each
request's short-lived ones, also keep arenas of Python's allocator from being freed, so the
server's memory grows with them. The table is one ``bytearray`` that Python's allocator never
sees piece by piece: its pages become resident as slots are first written, up to 24 bytes a
slot.

Trust: a wrong "holds" needs a failing proof whose SHA-256 has a remembered proof's slot and
the same 24 bytes after: a 192-bit second preimage. An all-zero tag would match an empty
slot: 2**-192.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from service.merkle import verify_proof

# 2**17 slots (3 MiB at most): holds most of ~65,000 hot records (~3,000 twenty-record
# batches) at once; two proofs sharing a slot only cost each other a re-check.
MAX_PROOFS = 1 << 17
TAG_BYTES = 24
_EMPTY = bytes(TAG_BYTES)


class ProofMemo:
    """Proofs found to hold, by slot; safe across threads without a lock.

    Reading or writing a slot is one bytearray slice operation, which holds the GIL from
    start to end, so no thread sees half a tag.
    """

    def __init__(self, size: int = MAX_PROOFS) -> None:
        self.size = size
        self._table = bytearray(size * TAG_BYTES)

    def holds(self, root: bytes, digest: bytes, proof: Sequence[bytes]) -> bool:
        key = hashlib.sha256(b"".join((root, digest, *proof))).digest()
        at = int.from_bytes(key[:8], "big") % self.size * TAG_BYTES
        tag = key[8:]
        if self._table[at : at + TAG_BYTES] == tag:
            return True
        held = verify_proof(root, digest, list(proof))
        if held:
            self._table[at : at + TAG_BYTES] = tag
        return held

    def __len__(self) -> int:
        """Slots in use (reads the whole table: for tests and diagnostics)."""
        table = self._table
        return sum(table[at : at + TAG_BYTES] != _EMPTY for at in range(0, len(table), TAG_BYTES))
