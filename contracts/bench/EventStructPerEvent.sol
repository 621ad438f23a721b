// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title EventStructPerEvent
/// @notice Benchmark baseline, not part of Lotproof: the common "supply chain on Ethereum"
/// pattern, one transaction per event storing the event itself (strings and all) in an array
/// per batch, so that a batch's history can be read back from the contract. It keeps the
/// fields a Lotproof record commits to: GTIN, lot, type, location, actor, time and the event's
/// free-form details (as the JSON text a client would send).
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
        string details;
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

    /// @notice Appends one event to the history of the batch `(e.gtin, e.lot)`.
    /// @dev The event as one calldata struct: seven separate parameters (six of them strings)
    /// do not fit the legacy code generator's stack. Copied field by field from calldata, as
    /// building it in memory first would copy every string twice.
    /// @return index The event's position in the batch's history.
    function recordEvent(TraceEvent calldata e) external onlyOwner returns (uint256 index) {
        bytes32 batchKey = batchKeyOf(e.gtin, e.lot);
        TraceEvent[] storage history = _history[batchKey];
        index = history.length;
        TraceEvent storage entry = history.push();
        entry.gtin = e.gtin;
        entry.lot = e.lot;
        entry.eventType = e.eventType;
        entry.location = e.location;
        entry.actor = e.actor;
        entry.details = e.details;
        entry.timestamp = e.timestamp;
        emit EventRecorded(batchKey, index, e.eventType, e.timestamp);
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
