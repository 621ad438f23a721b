"""The gas benchmark's baselines (contracts/bench/) store what they are given.

A baseline that silently stored nothing would be cheap and would make TraceAnchor's ratios
look worse than they are, or a broken one could make them look better; either way the
benchmark would be comparing against something no one runs.
"""

from __future__ import annotations

import os

import pytest
from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.exceptions import ContractLogicError

from scripts.benchkit.gas import deploy_baseline, sample_events
from tests.support.hardhat import send

pytestmark = pytest.mark.chain


def expect_revert(call: ContractFunction, sender: str, error_signature: str) -> None:
    """`call` from `sender` reverts with the custom error `error_signature` (any arguments)."""
    with pytest.raises(ContractLogicError) as info:
        call.call({"from": sender})
    data = info.value.data
    if isinstance(data, dict):  # Hardhat nests the revert data in the JSON-RPC error
        data = data.get("data")
    assert isinstance(data, str), info.value
    assert data.startswith("0x" + Web3.keccak(text=error_signature)[:4].hex()), data


@pytest.fixture
def hash_per_event(contract_w3: Web3, admin: LocalAccount) -> Contract:
    return deploy_baseline(contract_w3, admin, "HashPerEvent", admin.address)


@pytest.fixture
def event_struct_per_event(contract_w3: Web3, admin: LocalAccount) -> Contract:
    return deploy_baseline(contract_w3, admin, "EventStructPerEvent", admin.address)


class TestHashPerEvent:
    def test_records_the_hash_with_its_block_time_and_an_event(
        self, contract_w3: Web3, hash_per_event: Contract, admin: LocalAccount
    ) -> None:
        digest, other = os.urandom(32), os.urandom(32)
        receipt = send(contract_w3, admin, hash_per_event.functions.record(digest))

        block = contract_w3.eth.get_block(receipt["blockNumber"])
        assert hash_per_event.functions.recordedAt(digest).call() == block["timestamp"]
        assert hash_per_event.functions.recordedAt(other).call() == 0
        (log,) = hash_per_event.events.Recorded().process_receipt(receipt)
        assert log["args"]["hash"] == digest
        assert log["args"]["timestamp"] == block["timestamp"]

    def test_a_hash_is_recorded_once(
        self, contract_w3: Web3, hash_per_event: Contract, admin: LocalAccount
    ) -> None:
        digest = os.urandom(32)
        send(contract_w3, admin, hash_per_event.functions.record(digest))
        call = hash_per_event.functions.record(digest)
        expect_revert(call, admin.address, "AlreadyRecorded(bytes32)")

    def test_only_the_owner_records(self, hash_per_event: Contract, outsider: LocalAccount) -> None:
        call = hash_per_event.functions.record(os.urandom(32))
        expect_revert(call, outsider.address, "NotOwner()")


class TestEventStructPerEvent:
    def test_keeps_each_batch_history_in_order_with_every_field(
        self, contract_w3: Web3, event_struct_per_event: Contract, admin: LocalAccount
    ) -> None:
        events = sample_events(7)  # five for the first batch, two for the second
        for event in events:
            send(contract_w3, admin, event_struct_per_event.functions.recordEvent(event.args()))

        functions = event_struct_per_event.functions
        for batch in {(e.gtin, e.lot) for e in events}:
            history = [e for e in events if (e.gtin, e.lot) == batch]
            assert functions.eventCount(*batch).call() == len(history)
            for index, event in enumerate(history):
                assert tuple(functions.eventAt(*batch, index).call()) == event.args()
        assert len({(e.gtin, e.lot) for e in events}) == 2
        assert functions.eventCount("09506000134352", "NO-SUCH-LOT").call() == 0

    def test_emits_the_batch_key_and_position(
        self, contract_w3: Web3, event_struct_per_event: Contract, admin: LocalAccount
    ) -> None:
        (event,) = sample_events(1)
        receipt = send(
            contract_w3, admin, event_struct_per_event.functions.recordEvent(event.args())
        )

        (log,) = event_struct_per_event.events.EventRecorded().process_receipt(receipt)
        key = event_struct_per_event.functions.batchKeyOf(event.gtin, event.lot).call()
        assert log["args"]["batchKey"] == key
        assert log["args"]["index"] == 0
        assert log["args"]["eventType"] == event.event_type
        assert log["args"]["timestamp"] == event.timestamp

    def test_reading_past_the_end_reverts(
        self, event_struct_per_event: Contract, admin: LocalAccount
    ) -> None:
        call = event_struct_per_event.functions.eventAt("09506000134352", "L1", 0)
        expect_revert(call, admin.address, "IndexOutOfRange(uint256)")

    def test_only_the_owner_records(
        self, event_struct_per_event: Contract, outsider: LocalAccount
    ) -> None:
        (event,) = sample_events(1)
        call = event_struct_per_event.functions.recordEvent(event.args())
        expect_revert(call, outsider.address, "NotOwner()")
