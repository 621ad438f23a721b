"""Merkle batches (docs/design.md §3, frozen): byte-identical to OpenZeppelin's tree.

That is ``StandardMerkleTree`` of ``@openzeppelin/merkle-tree``, leaf encoding ``["bytes32"]``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from eth_hash.auto import keccak
from hypothesis import given, settings
from hypothesis import strategies as st

from service.merkle.tree import build_tree, hash_pair, leaf_hash, verify_proof

VECTORS_PATH = Path(__file__).resolve().parent.parent / "vectors" / "merkle_openzeppelin.json"
VECTORS: list[dict[str, Any]] = json.loads(VECTORS_PATH.read_text(encoding="utf-8"))


def b(text: str) -> bytes:
    assert text.startswith("0x") and len(text) == 66
    return bytes.fromhex(text[2:])


def h(value: bytes) -> str:
    return "0x" + value.hex()


def _vector_id(vector: dict[str, Any]) -> str:
    return str(vector["name"])


def _flip(value: bytes, bit: int) -> bytes:
    flipped = bytearray(value)
    flipped[bit // 8] ^= 1 << (bit % 8)
    return bytes(flipped)


class TestOpenZeppelinVectors:
    def test_vector_file(self) -> None:
        assert {v["size"] for v in VECTORS} >= {1, 2, 3, 7, 64, 1000}
        for vector in VECTORS:
            assert vector["library"] == {"name": "@openzeppelin/merkle-tree", "version": "1.0.8"}
            assert vector["encoding"] == ["bytes32"]
            assert len(vector["values"]) == vector["size"]
            assert len(vector["tree"]) == 2 * vector["size"] - 1
            assert vector["proofs"], "every entry lists at least one proof"

    @pytest.mark.parametrize("vector", VECTORS, ids=_vector_id)
    def test_root(self, vector: dict[str, Any]) -> None:
        tree = build_tree([b(v) for v in vector["values"]])
        assert h(tree.root) == vector["root"]

    @pytest.mark.parametrize("vector", VECTORS, ids=_vector_id)
    def test_array_layout(self, vector: dict[str, Any]) -> None:
        tree = build_tree([b(v) for v in vector["values"]])
        assert [h(node) for node in tree.nodes] == vector["tree"]

    @pytest.mark.parametrize("vector", VECTORS, ids=_vector_id)
    def test_leaf_positions(self, vector: dict[str, Any]) -> None:
        tree = build_tree([b(v) for v in vector["values"]])
        for value_index, value in enumerate(vector["values"]):
            assert tree.leaf_positions[value_index] == vector["leafIndex"][value]
            assert tree.nodes[tree.leaf_positions[value_index]] == leaf_hash(b(value))

    @pytest.mark.parametrize("vector", VECTORS, ids=_vector_id)
    def test_proofs(self, vector: dict[str, Any]) -> None:
        values = [b(v) for v in vector["values"]]
        tree = build_tree(values)
        index_of = {v: i for i, v in enumerate(vector["values"])}
        for value, expected in vector["proofs"].items():
            ours = tree.proof(index_of[value])
            assert [h(p) for p in ours] == expected
            assert verify_proof(b(vector["root"]), b(value), [b(p) for p in expected])

    def test_values_are_kept_in_input_order(self) -> None:
        vector = next(v for v in VECTORS if v["size"] == 64)
        values = [b(v) for v in vector["values"]]
        tree = build_tree(values)
        assert list(tree.values) == values


class TestDesignWorkedExample:
    VALUES = (bytes([0x11]) * 32, bytes([0x22]) * 32, bytes([0x33]) * 32)
    ROOT = "0xa9b9d19e00269b8e357d6b17ae987e7f306e63b8e77615ce706ec522974d2fea"
    PROOF_OF_FIRST = (
        "0x0f7e1163c9397953c541dc1b3e1fdde14cb0452e6ee4f9e81cd9665cd5f01774",
        "0xf71106156f6c6fb1e886f1022b84b417bc07ade1ba787da2e849607e605475b7",
    )

    def test_root_and_proof(self) -> None:
        tree = build_tree(self.VALUES)
        assert h(tree.root) == self.ROOT
        assert [h(p) for p in tree.proof(0)] == list(self.PROOF_OF_FIRST)
        assert verify_proof(b(self.ROOT), self.VALUES[0], [b(p) for p in self.PROOF_OF_FIRST])

    def test_leaf_is_double_keccak(self) -> None:
        # keccak256(bytes.concat(keccak256(abi.encode(bytes32)))): abi.encode(bytes32) is
        # the value itself.
        value = self.VALUES[0]
        assert leaf_hash(value) == keccak(keccak(value))
        # 0x11..11 is paired with the leaf of 0x22..22, and then with the leaf of 0x33..33.
        assert h(leaf_hash(self.VALUES[1])) == self.PROOF_OF_FIRST[0]
        assert h(leaf_hash(self.VALUES[2])) == self.PROOF_OF_FIRST[1]

    def test_root_does_not_depend_on_input_order(self) -> None:
        for order in ([2, 1, 0], [1, 0, 2], [0, 2, 1]):
            assert h(build_tree([self.VALUES[i] for i in order]).root) == self.ROOT

    def test_every_value_verifies(self) -> None:
        tree = build_tree(self.VALUES)
        for i, value in enumerate(self.VALUES):
            assert verify_proof(tree.root, value, tree.proof(i))


class TestPrimitives:
    def test_hash_pair_is_sorted(self) -> None:
        low, high = bytes(32), bytes([0xFF]) * 32
        assert hash_pair(low, high) == hash_pair(high, low) == keccak(low + high)

    @given(st.binary(min_size=32, max_size=32), st.binary(min_size=32, max_size=32))
    def test_hash_pair_commutes(self, x: bytes, y: bytes) -> None:
        assert hash_pair(x, y) == hash_pair(y, x) == keccak(min(x, y) + max(x, y))

    @pytest.mark.parametrize("length", [0, 20, 31, 33, 64])
    def test_leaf_hash_needs_32_bytes(self, length: int) -> None:
        with pytest.raises(ValueError, match="32 bytes"):
            leaf_hash(bytes(length))

    def test_leaf_is_not_an_inner_node(self) -> None:
        # A leaf is hashed twice, so a pair of leaves (64 bytes) cannot pose as a leaf.
        x, y = bytes([1]) * 32, bytes([2]) * 32
        assert leaf_hash(x) != keccak(x)
        assert hash_pair(leaf_hash(x), leaf_hash(y)) != leaf_hash(x)


class TestEdgeCases:
    def test_empty_tree_raises(self) -> None:
        with pytest.raises(ValueError, match="at least one value"):
            build_tree([])

    def test_non_32_byte_value_raises(self) -> None:
        with pytest.raises(ValueError, match="32 bytes"):
            build_tree([bytes(32), bytes(31)])

    @given(st.binary(min_size=32, max_size=32))
    def test_single_leaf(self, value: bytes) -> None:
        tree = build_tree([value])
        assert tree.proof(0) == []
        assert tree.root == leaf_hash(value)
        assert tree.nodes == (leaf_hash(value),)
        assert verify_proof(tree.root, value, [])
        assert not verify_proof(tree.root, _flip(value, 0), [])

    def test_proof_lengths_are_logarithmic(self) -> None:
        values = [bytes([i]) * 32 for i in range(1, 9)]  # 8 leaves: a perfect tree
        tree = build_tree(values)
        assert [len(tree.proof(i)) for i in range(8)] == [3] * 8


distinct_values = st.lists(
    st.binary(min_size=32, max_size=32), min_size=1, max_size=80, unique=True
)


class TestProofProperties:
    @settings(max_examples=60, deadline=None)
    @given(distinct_values)
    def test_every_proof_verifies(self, values: list[bytes]) -> None:
        tree = build_tree(values)
        assert len(tree.nodes) == 2 * len(values) - 1
        assert sorted(tree.leaf_positions) == list(range(len(values) - 1, 2 * len(values) - 1))
        for i, value in enumerate(values):
            proof = tree.proof(i)
            assert verify_proof(tree.root, value, proof)
            assert all(len(p) == 32 for p in proof)

    @settings(max_examples=60, deadline=None)
    @given(distinct_values, st.data())
    def test_flipped_bit_fails(self, values: list[bytes], data: st.DataObject) -> None:
        tree = build_tree(values)
        i = data.draw(st.integers(min_value=0, max_value=len(values) - 1), label="value index")
        value, proof = values[i], tree.proof(i)
        bit = data.draw(st.integers(min_value=0, max_value=255), label="bit")

        assert verify_proof(tree.root, value, proof)
        assert not verify_proof(tree.root, _flip(value, bit), proof)
        assert not verify_proof(_flip(tree.root, bit), value, proof)
        if proof:
            j = data.draw(st.integers(min_value=0, max_value=len(proof) - 1), label="element")
            tampered = [*proof[:j], _flip(proof[j], bit), *proof[j + 1 :]]
            assert not verify_proof(tree.root, value, tampered)
            # A truncated proof does not verify either.
            assert not verify_proof(tree.root, value, proof[:-1])

    @settings(max_examples=40, deadline=None)
    @given(distinct_values, st.randoms(use_true_random=False))
    def test_root_is_independent_of_input_order(self, values: list[bytes], rng: Any) -> None:
        shuffled = list(values)
        rng.shuffle(shuffled)
        assert build_tree(shuffled).root == build_tree(values).root
        assert build_tree(shuffled).nodes == build_tree(values).nodes

    @settings(max_examples=40, deadline=None)
    @given(distinct_values, st.binary(min_size=32, max_size=32))
    def test_outsider_does_not_verify(self, values: list[bytes], outsider: bytes) -> None:
        tree = build_tree(values)
        for i in range(len(values)):
            if outsider != values[i]:
                assert not verify_proof(tree.root, outsider, tree.proof(i))
