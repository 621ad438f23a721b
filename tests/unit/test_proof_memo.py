"""The memo of checked Merkle proofs: same answers as checking, bounded, compact."""

from __future__ import annotations

import hashlib
import tracemalloc

import pytest

from service.merkle import build_tree, verify_proof
from service.verdicts.memo import ProofMemo


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


def test_a_remembered_proof_is_not_checked_again(monkeypatch: pytest.MonkeyPatch) -> None:
    values = leaves(8)
    tree = build_tree(values)
    memo = ProofMemo(size=64)
    checks: list[bytes] = []

    def counted(root: bytes, digest: bytes, proof: list[bytes]) -> bool:
        checks.append(digest)
        return verify_proof(root, digest, proof)

    monkeypatch.setattr("service.verdicts.memo.verify_proof", counted)
    bad = values[1]
    for _ in range(3):
        assert memo.holds(tree.root, values[0], tree.proof(0)) is True
        assert memo.holds(tree.root, bad, tree.proof(0)) is False
    # The good proof once; the failing one every time (failures are not remembered).
    assert checks == [values[0], bad, bad, bad]


def test_proofs_sharing_a_slot_replace_each_other_and_stay_right() -> None:
    values = leaves(16)
    tree = build_tree(values)
    memo = ProofMemo(size=1)
    for _ in range(2):
        for i, leaf in enumerate(values):
            assert memo.holds(tree.root, leaf, tree.proof(i)) is True
            assert memo.holds(tree.root, leaf, tree.proof((i + 1) % 16)) is False
    assert len(memo) == 1


def test_remembering_more_proofs_allocates_nothing() -> None:
    # The soak's leak: one long-lived object per remembered proof, up to 65,536 of them.
    values = leaves(4096)
    tree = build_tree(values)
    proofs = [tree.proof(i) for i in range(len(values))]
    memo = ProofMemo(size=1024)
    memo.holds(tree.root, values[0], proofs[0])  # the first call's one-off allocations
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i, leaf in enumerate(values):
            assert memo.holds(tree.root, leaf, proofs[i])
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(memo) > 900  # filled: 4,096 proofs over 1,024 slots
    # An LRU of 32-byte keys held ~150 bytes an entry: 150 KiB here. A few KiB are one-offs.
    assert grown < 16 * 1024, f"{grown} bytes still allocated after remembering 4,096 proofs"
