// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title EventStructPerEvent
/// @notice Benchmark baseline, not part of Lotproof: the common "supply chain on Ethereum"
/// pattern, one transaction per event storing the event itself (strings and all) in an array
/// per batch, so that a batch's history can be read back from the contract.
/// @dev Written as lean as the pattern allows, so that the benchmark's ratios are not inflated
/// by a clumsy baseline: an immutable owner (no storage read for the access check), the
/// timestamp as `uint64`, no `msg.sender` copy in storage, and an event that names the new
/// entry rather than repeating every string already kept in storage.
contract EventStructPerEvent {
    /// @notice One traceability event as the pattern stores it.
    struct TraceEvent {
        string gtin;
        string lot;
        string eventType;
        string location;
        string actor;
        uint64 timestamp;
    }

    /// @notice The only address allowed to record (the operator's key).
    address public immutable owner;

    /// @dev keccak256(abi.encode(gtin, lot)) => the batch's events in recording order.
    mapping(bytes32 batchKey => TraceEvent[] history) private _history;

    /// @notice Emitted once per recorded event.
    /// @param batchKey `batchKeyOf(gtin, lot)`.
    /// @param index Position of the event in the batch's history, from 0.
    event EventRecorded(
        bytes32 indexed batchKey, uint256 indexed index, string eventType, uint64 timestamp
    );

    /// @notice The caller is not the owner.
    error NotOwner();
    /// @notice `eventAt` was asked for an index past the batch's history.
    error IndexOutOfRange(uint256 index);

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner();
        _;
    }

    constructor(address owner_) {
        owner = owner_;
    }

    /// @notice The key of a batch (a GTIN and a lot) in `_history`.
    function batchKeyOf(string memory gtin, string memory lot) public pure returns (bytes32) {
        return keccak256(abi.encode(gtin, lot));
    }

    /// @notice Appends one event to the history of the batch `(gtin, lot)`.
    /// @return index The event's position in the batch's history.
    function recordEvent(
        string calldata gtin,
        string calldata lot,
        string calldata eventType,
        string calldata location,
        string calldata actor,
        uint64 timestamp
    ) external onlyOwner returns (uint256 index) {
        bytes32 batchKey = batchKeyOf(gtin, lot);
        TraceEvent[] storage history = _history[batchKey];
        index = history.length;
        // Field by field straight from calldata: building the struct in memory first would copy
        // every string twice (and the legacy code generator runs out of stack doing it).
        TraceEvent storage entry = history.push();
        entry.gtin = gtin;
        entry.lot = lot;
        entry.eventType = eventType;
        entry.location = location;
        entry.actor = actor;
        entry.timestamp = timestamp;
        emit EventRecorded(batchKey, index, eventType, timestamp);
    }

    /// @notice Number of events recorded for the batch `(gtin, lot)`.
    function eventCount(string calldata gtin, string calldata lot)
        external
        view
        returns (uint256)
    {
        return _history[batchKeyOf(gtin, lot)].length;
    }

    /// @notice The batch's event at `index`.
    function eventAt(string calldata gtin, string calldata lot, uint256 index)
        external
        view
        returns (TraceEvent memory)
    {
        TraceEvent[] storage history = _history[batchKeyOf(gtin, lot)];
        if (index >= history.length) revert IndexOutOfRange(index);
        return history[index];
    }
}
