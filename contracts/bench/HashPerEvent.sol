// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title HashPerEvent
/// @notice Benchmark baseline, not part of Lotproof: the common "notarise each record" pattern
/// of open-source traceability contracts, one transaction per event storing that event's hash.
/// @dev Written as lean as the pattern allows, so that the benchmark's ratios are not inflated
/// by a clumsy baseline: the owner is an immutable (no storage read for the access check), the
/// record is one storage word, and the event carries only what a listener needs. A typical
/// deployment with OpenZeppelin `Ownable` costs about 2,100 gas more per call (cold SLOAD).
contract HashPerEvent {
    /// @notice The only address allowed to record (the operator's key).
    address public immutable owner;

    /// @notice Event hash => timestamp of the block that recorded it (0: not recorded).
    mapping(bytes32 hash => uint256 timestamp) public recordedAt;

    /// @notice Emitted once per recorded hash.
    event Recorded(bytes32 indexed hash, uint256 timestamp);

    /// @notice The caller is not the owner.
    error NotOwner();
    /// @notice A hash is recorded once; duplicates would blur when a record first existed.
    error AlreadyRecorded(bytes32 hash);
    /// @notice The zero hash is indistinguishable from "absent".
    error ZeroHash();

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner();
        _;
    }

    constructor(address owner_) {
        owner = owner_;
    }

    /// @notice Records the hash of one traceability event.
    function record(bytes32 hash) external onlyOwner {
        if (hash == bytes32(0)) revert ZeroHash();
        if (recordedAt[hash] != 0) revert AlreadyRecorded(hash);
        recordedAt[hash] = block.timestamp;
        emit Recorded(hash, block.timestamp);
    }
}
