"""OpenZeppelin-compatible Merkle tree. CONSENSUS-CRITICAL [frozen]: see docs/design.md §3.

This reproduces ``StandardMerkleTree.of(values, ["bytes32"])`` of ``@openzeppelin/merkle-tree``
byte for byte (leaf hashing, sorted leaves, sorted pairs, the flat array layout) so that roots and
proofs made here are accepted unchanged by that library and by ``MerkleProof.verify`` on chain.
"""

from service.merkle.tree import MerkleTree, build_tree, hash_pair, leaf_hash, verify_proof

__all__ = ["MerkleTree", "build_tree", "hash_pair", "leaf_hash", "verify_proof"]
