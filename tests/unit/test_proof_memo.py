"""The memo of checked Merkle proofs: same answers as checking, bounded, compact."""

from __future__ import annotations

import hashlib
import sys

from service.merkle import build_tree, verify_proof
from service.verification.memo import ProofMemo


def leaves(n: int) -> list[bytes]:
    return [hashlib.sha256(str(i).encode()).digest() for i in range(n)]


def test_answers_as_checking_does_for_good_and_bad_proofs() -> None:
    values = leaves(16)
    tree = build_tree(values)
    memo = ProofMemo(size=8)
    for i, leaf in enumerate(values):
        proof = tree.proof(i)
        assert memo.holds(tree.root, leaf, proof) is True
        assert memo.holds(tree.root, leaf, proof) is True  # remembered
        other = values[(i + 1) % 16]
        assert memo.holds(tree.root, other, proof) is verify_proof(tree.root, other, proof)
        assert memo.holds(tree.root, other, proof) is False


def test_stays_within_its_size() -> None:
    values = leaves(64)
    tree = build_tree(values)
    memo = ProofMemo(size=10)
    for i, leaf in enumerate(values):
        memo.holds(tree.root, leaf, tree.proof(i))
    assert len(memo) == 10


def test_an_entry_is_small() -> None:
    values = leaves(1024)
    tree = build_tree(values)
    memo = ProofMemo()
    for i, leaf in enumerate(values):
        memo.holds(tree.root, leaf, tree.proof(i))
    key, held = next(iter(memo._known.items()))
    # A 32-byte key and a shared bool, not the root, digest and ten proof nodes.
    assert len(key) == 32 and sys.getsizeof(key) < 100 and held is True
