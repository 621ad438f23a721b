"""Merkle proofs already checked, remembered in little memory.

Checking a proof is a pure function of (root, digest, proof), so remembering its answer trusts
nothing stored: the digest is still recomputed from the record on every verification (DESIGN
§7); only the keccak work of a proof already checked is saved. Entries are keyed by a SHA-256
of the three (fixed-width values, so the concatenation is unambiguous): about 150 bytes each
instead of the ~1.1 KB the values themselves take, which under a steady stream of new records
grew the process by hundreds of MB (measured in the soak) before an LRU of the values filled.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence

from service.merkle import verify_proof

# Proofs of the hottest records: 65,536 is the records of about 3,000 twenty-record batches.
MAX_PROOFS = 65_536


class ProofMemo:
    """A thread-safe LRU of proof checks."""

    def __init__(self, size: int = MAX_PROOFS) -> None:
        self.size = size
        self._known: OrderedDict[bytes, bool] = OrderedDict()
        self._lock = threading.Lock()

    def holds(self, root: bytes, digest: bytes, proof: Sequence[bytes]) -> bool:
        key = hashlib.sha256(b"".join((root, digest, *proof))).digest()
        with self._lock:
            known = self._known.get(key)
            if known is not None:
                self._known.move_to_end(key)
                return known
        held = verify_proof(root, digest, list(proof))
        with self._lock:
            self._known[key] = held
            if len(self._known) > self.size:
                self._known.popitem(last=False)
        return held

    def __len__(self) -> int:
        return len(self._known)
