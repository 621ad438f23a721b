// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

/// @title TraceAnchor
/// @notice Append-only register of Merkle roots of Lotproof traceability records.
/// @dev Each root commits to a batch of record digests arranged as an OpenZeppelin
/// `StandardMerkleTree` with leaf encoding `["bytes32"]` (DESIGN §3). Anchors are numbered from
/// 0 in the order they are made and can never be changed or removed: records anchored once must
/// verify forever. For the same reason the contract has no upgrade mechanism and no
/// selfdestruct. Everything a verifier needs (root, leaf count, block and time) is kept in
/// storage and not only in logs, because nodes may prune old logs.
contract TraceAnchor is AccessControl {
    /// @notice Role allowed to anchor roots (the Lotproof anchoring worker's key).
    bytes32 public constant ANCHORER_ROLE = keccak256("ANCHORER_ROLE");

    /// @dev Per-root facts, packed into a single storage word (64 + 32 + 64 + 64 = 224 bits) so
    /// that an anchor writes only two new slots: this word and the root's entry in `_roots`.
    /// A non-zero `leafCount` marks the root as present (zero counts are rejected).
    struct AnchorInfo {
        uint64 index;
        uint32 leafCount;
        uint64 blockNumber;
        uint64 timestamp;
    }

    /// @dev Roots in anchoring order; the position is the anchor's index.
    bytes32[] private _roots;

    /// @dev Root => its packed facts; gives O(1) duplicate checks, `indexOf` and `verify`.
    mapping(bytes32 root => AnchorInfo info) private _info;

    /// @notice Emitted once per anchored root.
    /// @param index Position of the anchor, from 0.
    /// @param root Merkle root of the batch.
    /// @param leafCount Number of records committed by the root.
    event Anchored(uint256 indexed index, bytes32 indexed root, uint32 leafCount);

    /// @notice The zero root is never a valid tree root and would be ambiguous with "absent".
    error ZeroRoot();
    /// @notice A tree has at least one leaf; zero also marks absent roots in storage.
    error ZeroLeafCount();
    /// @notice A root can be anchored once; `index` is where it already is. Lets a restarted
    /// worker recognise its own earlier anchor instead of creating a second one.
    error RootAlreadyAnchored(bytes32 root, uint256 index);
    /// @notice `anchorAt` was asked for an index at or past `anchorCount()`.
    error IndexOutOfRange(uint256 index);

    /// @param admin Receives `DEFAULT_ADMIN_ROLE` (manages roles) and `ANCHORER_ROLE`.
    constructor(address admin) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(ANCHORER_ROLE, admin);
    }

    /// @notice Anchors a Merkle root committing to `leafCount` record digests.
    /// @dev Writes two new storage slots: the root in `_roots` and its packed `AnchorInfo`.
    /// The block number and timestamp are recorded so that a verifier can date the records
    /// from storage alone.
    /// @param root Root of the batch's `StandardMerkleTree`; must be non-zero and new.
    /// @param leafCount Number of leaves in the tree; must be non-zero.
    /// @return index The new anchor's index (anchors are numbered from 0).
    function anchor(bytes32 root, uint32 leafCount)
        external
        onlyRole(ANCHORER_ROLE)
        returns (uint256 index)
    {
        if (root == bytes32(0)) revert ZeroRoot();
        if (leafCount == 0) revert ZeroLeafCount();
        AnchorInfo storage info = _info[root];
        if (info.leafCount != 0) revert RootAlreadyAnchored(root, info.index);

        index = _roots.length;
        _roots.push(root);
        // The casts cannot truncate in practice: 2^64 anchors, blocks or seconds are out of reach.
        _info[root] = AnchorInfo({
            index: uint64(index),
            leafCount: leafCount,
            blockNumber: uint64(block.number),
            timestamp: uint64(block.timestamp)
        });
        emit Anchored(index, root, leafCount);
    }

    /// @notice Number of anchors made so far; valid indexes are `0 .. anchorCount() - 1`.
    function anchorCount() external view returns (uint256) {
        return _roots.length;
    }

    /// @notice The anchor at `index`.
    /// @return root The anchored Merkle root.
    /// @return leafCount Number of leaves committed by the root.
    /// @return blockNumber Block in which the root was anchored.
    /// @return timestamp Timestamp of that block.
    function anchorAt(uint256 index)
        external
        view
        returns (bytes32 root, uint32 leafCount, uint64 blockNumber, uint64 timestamp)
    {
        if (index >= _roots.length) revert IndexOutOfRange(index);
        root = _roots[index];
        AnchorInfo storage info = _info[root];
        return (root, info.leafCount, info.blockNumber, info.timestamp);
    }

    /// @notice Where `root` was anchored, if it was.
    /// @dev Used by the anchoring worker to reconcile with the chain after a crash.
    /// @return found Whether the root is anchored.
    /// @return index Its anchor index (0 when not found).
    function indexOf(bytes32 root) external view returns (bool found, uint256 index) {
        AnchorInfo storage info = _info[root];
        if (info.leafCount == 0) return (false, 0);
        return (true, info.index);
    }

    /// @notice Whether the record `digest` is committed by the anchored root `root`.
    /// @dev True iff `root` is anchored and `proof` proves the `StandardMerkleTree` leaf of
    /// `digest`, i.e. `keccak256(bytes.concat(keccak256(abi.encode(digest))))`. The double hash
    /// is the leaf hash of the OpenZeppelin merkle-tree JS library; it keeps a leaf from being
    /// mistaken for an inner node (whose preimage is also 64 bytes).
    /// @param root An anchored Merkle root.
    /// @param digest The record digest (sha256 of the canonical record).
    /// @param proof Sibling hashes from the leaf up to the root.
    function verify(bytes32 root, bytes32 digest, bytes32[] calldata proof)
        external
        view
        returns (bool)
    {
        if (_info[root].leafCount == 0) return false;
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(digest))));
        return MerkleProof.verifyCalldata(proof, root, leaf);
    }
}
