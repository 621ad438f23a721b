"""TraceAnchor (docs/design.md §4) against a real Hardhat node, driven with web3.

Proofs come from tests/vectors/merkle_openzeppelin.json, produced by the OpenZeppelin JS library
(scripts/make_merkle_vectors.mjs), so these tests also pin the contract's leaf encoding to the
library's.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from eth_abi.abi import encode
from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.exceptions import ContractLogicError
from web3.types import TxReceipt

from tests.support.hardhat import send

pytestmark = pytest.mark.chain

VECTORS_PATH = Path(__file__).resolve().parents[1] / "vectors" / "merkle_openzeppelin.json"
VECTORS: dict[str, dict[str, Any]] = {
    v["name"]: v for v in json.loads(VECTORS_PATH.read_text(encoding="utf-8"))
}

DEFAULT_ADMIN_ROLE = b"\x00" * 32
ANCHORER_ROLE = Web3.keccak(text="ANCHORER_ROLE")
ZERO = b"\x00" * 32

# docs/design.md §4.1: an anchor writes at most two new storage slots, about 75k gas.
MAX_ANCHOR_GAS = 80_000
# The very first anchor of a deployment also turns the array length slot from zero to
# non-zero (SSTORE 20,000 instead of 2,900 gas), once per contract.
MAX_FIRST_ANCHOR_GAS = 95_000


def b32(hex_value: str) -> bytes:
    raw = bytes.fromhex(hex_value.removeprefix("0x"))
    assert len(raw) == 32
    return raw


def root_of(name: str) -> bytes:
    return b32(VECTORS[name]["root"])


def proof_of(name: str, value: str) -> list[bytes]:
    return [b32(h) for h in VECTORS[name]["proofs"][value]]


def anchor(
    w3: Web3, contract: Contract, sender: LocalAccount, root: bytes, count: int
) -> TxReceipt:
    return send(w3, sender, contract.functions.anchor(root, count))


def revert_data(error: ContractLogicError) -> str:
    """The raw revert data as 0x hex. Hardhat nests it in the JSON-RPC error's `data` object,
    which web3 passes through as a dict (other nodes give the hex string directly)."""
    data = error.data
    if isinstance(data, dict):
        data = data.get("data")
    assert isinstance(data, str), error
    return data


def expect_custom_error(
    call: ContractFunction, sender: str, signature: str, types: list[str], args: list[Any]
) -> None:
    """`call` reverts with exactly the custom error `signature(args)`."""
    with pytest.raises(ContractLogicError) as info:
        call.call({"from": sender})
    expected = Web3.keccak(text=signature)[:4] + encode(types, args)
    assert revert_data(info.value) == "0x" + expected.hex()


# --- roles -------------------------------------------------------------------------------------


def test_admin_holds_admin_and_anchorer_roles(
    trace_anchor: Contract, admin: LocalAccount, outsider: LocalAccount
) -> None:
    f = trace_anchor.functions
    assert f.ANCHORER_ROLE().call() == ANCHORER_ROLE
    assert f.DEFAULT_ADMIN_ROLE().call() == DEFAULT_ADMIN_ROLE
    assert f.hasRole(DEFAULT_ADMIN_ROLE, admin.address).call()
    assert f.hasRole(ANCHORER_ROLE, admin.address).call()
    assert f.getRoleAdmin(ANCHORER_ROLE).call() == DEFAULT_ADMIN_ROLE
    assert not f.hasRole(DEFAULT_ADMIN_ROLE, outsider.address).call()
    assert not f.hasRole(ANCHORER_ROLE, outsider.address).call()


def test_admin_need_not_be_the_deployer(
    contract_w3: Web3, admin: LocalAccount, outsider: LocalAccount
) -> None:
    from tests.support.hardhat import deploy_trace_anchor

    contract = deploy_trace_anchor(contract_w3, admin, outsider.address)
    assert contract.functions.hasRole(ANCHORER_ROLE, outsider.address).call()
    assert contract.functions.hasRole(DEFAULT_ADMIN_ROLE, outsider.address).call()
    assert not contract.functions.hasRole(ANCHORER_ROLE, admin.address).call()


def test_non_anchorer_cannot_anchor(
    contract_w3: Web3, trace_anchor: Contract, outsider: LocalAccount
) -> None:
    expect_custom_error(
        trace_anchor.functions.anchor(root_of("sha256-7"), 7),
        outsider.address,
        "AccessControlUnauthorizedAccount(address,bytes32)",
        ["address", "bytes32"],
        [outsider.address, ANCHORER_ROLE],
    )
    with pytest.raises(ContractLogicError):
        anchor(contract_w3, trace_anchor, outsider, root_of("sha256-7"), 7)
    assert trace_anchor.functions.anchorCount().call() == 0


def test_admin_can_grant_and_revoke_anchorer_role(
    contract_w3: Web3, trace_anchor: Contract, admin: LocalAccount, outsider: LocalAccount
) -> None:
    send(contract_w3, admin, trace_anchor.functions.grantRole(ANCHORER_ROLE, outsider.address))
    anchor(contract_w3, trace_anchor, outsider, root_of("sha256-7"), 7)
    assert trace_anchor.functions.indexOf(root_of("sha256-7")).call() == [True, 0]

    send(contract_w3, admin, trace_anchor.functions.revokeRole(ANCHORER_ROLE, outsider.address))
    with pytest.raises(ContractLogicError):
        trace_anchor.functions.anchor(root_of("sha256-3"), 3).call({"from": outsider.address})


# --- anchor ------------------------------------------------------------------------------------


def test_rejects_zero_root(trace_anchor: Contract, admin: LocalAccount) -> None:
    expect_custom_error(trace_anchor.functions.anchor(ZERO, 1), admin.address, "ZeroRoot()", [], [])


def test_rejects_zero_leaf_count(trace_anchor: Contract, admin: LocalAccount) -> None:
    expect_custom_error(
        trace_anchor.functions.anchor(root_of("sha256-7"), 0),
        admin.address,
        "ZeroLeafCount()",
        [],
        [],
    )


def test_rejects_a_root_anchored_before(
    contract_w3: Web3, trace_anchor: Contract, admin: LocalAccount
) -> None:
    anchor(contract_w3, trace_anchor, admin, root_of("sha256-1"), 1)
    anchor(contract_w3, trace_anchor, admin, root_of("sha256-7"), 7)
    for count in (7, 8):  # the same root with any leaf count
        expect_custom_error(
            trace_anchor.functions.anchor(root_of("sha256-7"), count),
            admin.address,
            "RootAlreadyAnchored(bytes32,uint256)",
            ["bytes32", "uint256"],
            [root_of("sha256-7"), 1],
        )
    with pytest.raises(ContractLogicError):
        anchor(contract_w3, trace_anchor, admin, root_of("sha256-7"), 7)
    assert trace_anchor.functions.anchorCount().call() == 2


def test_anchor_returns_the_index_and_emits_anchored(
    contract_w3: Web3, trace_anchor: Contract, admin: LocalAccount
) -> None:
    for expected_index, name in enumerate(["sha256-7", "sha256-64", "design-worked-example"]):
        root, count = root_of(name), VECTORS[name]["size"]
        call = trace_anchor.functions.anchor(root, count)
        assert call.call({"from": admin.address}) == expected_index
        receipt = send(contract_w3, admin, call)

        events = trace_anchor.events.Anchored().process_receipt(receipt)
        assert len(events) == 1
        assert dict(events[0]["args"]) == {
            "index": expected_index,
            "root": root,
            "leafCount": count,
        }
        # index and root are indexed topics (in that order); leafCount is the data.
        log = receipt["logs"][0]
        assert log["topics"][1] == expected_index.to_bytes(32, "big")
        assert log["topics"][2] == root
        assert bytes(log["data"]) == count.to_bytes(32, "big")


# --- reads -------------------------------------------------------------------------------------


def test_anchor_count_anchor_at_and_index_of(
    contract_w3: Web3, trace_anchor: Contract, admin: LocalAccount
) -> None:
    f = trace_anchor.functions
    assert f.anchorCount().call() == 0
    expect_custom_error(f.anchorAt(0), admin.address, "IndexOutOfRange(uint256)", ["uint256"], [0])
    assert f.indexOf(root_of("sha256-7")).call() == [False, 0]

    names = ["sha256-7", "sha256-1000", "sha256-1"]
    receipts = [
        anchor(contract_w3, trace_anchor, admin, root_of(n), VECTORS[n]["size"]) for n in names
    ]
    assert f.anchorCount().call() == len(names)
    for index, (name, receipt) in enumerate(zip(names, receipts, strict=True)):
        block = contract_w3.eth.get_block(receipt["blockNumber"])
        assert f.anchorAt(index).call() == [
            root_of(name),
            VECTORS[name]["size"],
            receipt["blockNumber"],
            block["timestamp"],
        ]
        assert f.indexOf(root_of(name)).call() == [True, index]
    assert f.indexOf(root_of("sha256-64")).call() == [False, 0]
    assert f.indexOf(ZERO).call() == [False, 0]
    expect_custom_error(f.anchorAt(3), admin.address, "IndexOutOfRange(uint256)", ["uint256"], [3])
    expect_custom_error(
        f.anchorAt(2**256 - 1),
        admin.address,
        "IndexOutOfRange(uint256)",
        ["uint256"],
        [2**256 - 1],
    )


# --- verify ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["sha256-1", "sha256-2", "sha256-3", "sha256-7", "sha256-1000", "design-worked-example"]
)
def test_verify_accepts_every_openzeppelin_proof(
    contract_w3: Web3, trace_anchor: Contract, admin: LocalAccount, name: str
) -> None:
    vector = VECTORS[name]
    root = root_of(name)
    anchor(contract_w3, trace_anchor, admin, root, vector["size"])
    assert vector["proofs"], "vectors carry proofs"
    for value in vector["proofs"]:
        assert trace_anchor.functions.verify(root, b32(value), proof_of(name, value)).call()


def test_verify_rejects_wrong_digests_proofs_and_roots(
    contract_w3: Web3, trace_anchor: Contract, admin: LocalAccount
) -> None:
    name = "sha256-7"
    vector = VECTORS[name]
    root = root_of(name)
    anchor(contract_w3, trace_anchor, admin, root, vector["size"])
    verify = trace_anchor.functions.verify
    first, second = vector["values"][0], vector["values"][1]
    proof = proof_of(name, first)
    assert verify(root, b32(first), proof).call()

    # wrong digest: another leaf's value, a digest not in the tree, a one-bit change
    assert not verify(root, b32(second), proof).call()
    assert not verify(root, b32(VECTORS["sha256-64"]["values"][0]), proof).call()
    flipped = bytearray(b32(first))
    flipped[-1] ^= 1
    assert not verify(root, bytes(flipped), proof).call()

    # wrong proof: tampered sibling, truncated, empty, another leaf's, extended
    tampered = [bytes(b ^ 0xFF for b in proof[0]), *proof[1:]]
    assert not verify(root, b32(first), tampered).call()
    assert not verify(root, b32(first), proof[:-1]).call()
    assert not verify(root, b32(first), []).call()
    assert not verify(root, b32(first), proof_of(name, second)).call()
    assert not verify(root, b32(first), [*proof, proof[0]]).call()

    # the raw digest is not a leaf: leaves are double-hashed
    one_leaf = VECTORS["sha256-1"]
    assert not verify(root_of("sha256-1"), b32(one_leaf["values"][0]), []).call()


def test_verify_is_false_for_roots_not_anchored(
    contract_w3: Web3, trace_anchor: Contract, admin: LocalAccount
) -> None:
    anchor(contract_w3, trace_anchor, admin, root_of("sha256-7"), 7)
    verify = trace_anchor.functions.verify
    for name in ("sha256-64", "sha256-1", "design-worked-example"):
        value = next(iter(VECTORS[name]["proofs"]))
        # the proof is valid for that root, but the root is not anchored here
        assert not verify(root_of(name), b32(value), proof_of(name, value)).call()
    assert not verify(ZERO, ZERO, []).call()


# --- cost --------------------------------------------------------------------------------------


def test_anchor_gas(
    contract_w3: Web3,
    trace_anchor: Contract,
    admin: LocalAccount,
    capsys: pytest.CaptureFixture[str],
) -> None:
    names = ["sha256-1", "sha256-2", "sha256-3", "sha256-7", "sha256-64", "sha256-1000"]
    gas = [
        anchor(contract_w3, trace_anchor, admin, root_of(n), VECTORS[n]["size"])["gasUsed"]
        for n in names
    ]
    with capsys.disabled():
        print(f"\nTraceAnchor.anchor gas used: first {gas[0]}, then {gas[1:]}")
    assert gas[0] < MAX_FIRST_ANCHOR_GAS
    assert all(g < MAX_ANCHOR_GAS for g in gas[1:]), gas
