"""The tree itself; pure functions over bytes, no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from eth_hash.auto import keccak


def leaf_hash(digest: bytes) -> bytes:
    """``keccak256(bytes.concat(keccak256(abi.encode(digest))))`` for a bytes32 value.

    ``abi.encode`` of one bytes32 is the value itself; hashing twice is what stops a leaf
    from being passed off as an inner node (second-preimage attacks).
    """
    if len(digest) != 32:
        raise ValueError("a leaf value must be 32 bytes")
    return keccak(keccak(digest))


def hash_pair(a: bytes, b: bytes) -> bytes:
    """Inner node: the pair is sorted first, so proofs need no left/right flags."""
    return keccak(a + b) if a <= b else keccak(b + a)


@dataclass(frozen=True)
class MerkleTree:
    """A built tree: ``nodes`` in OpenZeppelin's array layout (root at 0, leaves at the end)."""

    nodes: tuple[bytes, ...]
    values: tuple[bytes, ...]
    # For each value (in input order), the index of its leaf in ``nodes``.
    leaf_positions: tuple[int, ...]

    @property
    def root(self) -> bytes:
        return self.nodes[0]

    def proof(self, value_index: int) -> list[bytes]:
        """Sibling hashes from the leaf of ``values[value_index]`` up to the root."""
        i = self.leaf_positions[value_index]
        proof: list[bytes] = []
        while i > 0:
            sibling = i + 1 if i % 2 == 1 else i - 1
            proof.append(self.nodes[sibling])
            i = (i - 1) // 2
        return proof


def build_tree(values: Sequence[bytes]) -> MerkleTree:
    """Build the tree of ``StandardMerkleTree.of(values, ["bytes32"])`` (leaves sorted)."""
    if not values:
        raise ValueError("a Merkle tree needs at least one value")
    hashed = sorted(
        ((leaf_hash(v), index) for index, v in enumerate(values)), key=lambda pair: pair[0]
    )
    size = 2 * len(hashed) - 1
    nodes: list[bytes] = [b""] * size
    positions = [0] * len(values)
    for sorted_index, (leaf, value_index) in enumerate(hashed):
        position = size - 1 - sorted_index
        nodes[position] = leaf
        positions[value_index] = position
    for i in range(size - 1 - len(hashed), -1, -1):
        nodes[i] = hash_pair(nodes[2 * i + 1], nodes[2 * i + 2])
    return MerkleTree(nodes=tuple(nodes), values=tuple(values), leaf_positions=tuple(positions))


def verify_proof(root: bytes, digest: bytes, proof: Sequence[bytes]) -> bool:
    """What ``MerkleProof.verify(proof, root, leaf)`` computes on chain."""
    node = leaf_hash(digest)
    for sibling in proof:
        node = hash_pair(node, sibling)
    return node == root
