"""Exactly once, checked against the database and the TraceAnchor contract itself.

The fault tests (tests/faults/) end with these: every acknowledged event is stored once, as
acknowledged; every record is a leaf of exactly one final anchor whose root anyone can
recompute; the contract holds exactly the final anchors, each at its recorded index; and the
anchoring key's transactions have no nonce gap. They read the chain, not what the service says
about it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from web3 import Web3
from web3.types import TxData

from service.db.engine import SessionFactory
from service.db.models import Anchor, AnchorStatus, Deployment, Record, RecordStatus
from service.hashing import digest_to_hex
from service.merkle import build_tree
from tests.builders import chain_of
from tests.support.hardhat import load_artifact

# Anchors a worker has yet to bring to "final" (or "failed").
UNSETTLED = (AnchorStatus.prepared, AnchorStatus.sent, AnchorStatus.anchored)


def count_unsettled(sessions: SessionFactory) -> tuple[int, int]:
    """(records still pending, anchors not yet settled)."""
    is_pending = Record.status == RecordStatus.pending
    with sessions.read() as session:
        pending = session.scalar(select(func.count()).select_from(Record).where(is_pending))
        unsettled = session.scalar(
            select(func.count()).select_from(Anchor).where(Anchor.status.in_(UNSETTLED))
        )
    return int(pending or 0), int(unsettled or 0)


def check_exactly_once(
    sessions: SessionFactory,
    node_url: str,
    acked: Sequence[dict[str, Any]],
    batch_ids: Sequence[int],
    *,
    failed_anchors_allowed: bool = False,
) -> tuple[str, int]:
    """Every record of ``acked`` (the bodies of 201s) stored once and in one final anchor, and
    the contract in line; returns the contract's address and its anchor count.

    ``failed_anchors_allowed``: an anchor the chain rejected may stay "failed" (its records
    went back to pending and are in a later anchor).
    """
    with sessions.read() as session:
        records = session.scalars(select(Record)).all()
        deployment = session.scalars(select(Deployment).where(Deployment.active)).one()
        anchors = session.scalars(select(Anchor)).all()
        session.expunge_all()
    assert {a.deployment_id for a in anchors} <= {deployment.id}
    check_acknowledged(sessions, records, acked, batch_ids)
    allowed = {AnchorStatus.final} | ({AnchorStatus.failed} if failed_anchors_allowed else set())
    assert {a.status for a in anchors} <= allowed, Counter(a.status for a in anchors)
    assert max(Counter(a.root for a in anchors).values(), default=0) <= 1
    final = [a for a in anchors if a.status == AnchorStatus.final]
    check_one_final_anchor_each(records, final)
    on_chain = check_contract(node_url, deployment.address, final)
    return deployment.address, on_chain


def check_acknowledged(
    sessions: SessionFactory,
    records: Sequence[Record],
    acked: Sequence[dict[str, Any]],
    batch_ids: Sequence[int],
) -> None:
    """Every 201 is stored once, as acknowledged, and nothing unacknowledged is stored."""
    by_id = {r.id: r for r in records}
    assert len(acked) == len({ack["id"] for ack in acked}), "one record, two 201s"
    lost = [ack["id"] for ack in acked if ack["id"] not in by_id]
    assert lost == [], "an acknowledged event is lost"
    for ack in acked:
        row = by_id[ack["id"]]
        stored = (row.batch_id, row.n, digest_to_hex(row.digest))
        assert stored == (ack["batch_id"], ack["n"], ack["digest"])
    assert sorted(by_id) == sorted(ack["id"] for ack in acked), "a record nobody was told of"
    for batch_id in batch_ids:  # each batch's chain: contiguous, linked, all acknowledged
        numbers = chain_of(sessions, batch_id)
        assert numbers == list(range(len(numbers)))
        assert numbers == sorted(a["n"] for a in acked if a["batch_id"] == batch_id)


def check_one_final_anchor_each(records: Sequence[Record], final: Sequence[Anchor]) -> None:
    """Each record is anchored, with a proof, as a leaf of exactly one final anchor."""
    digests = Counter(digest_to_hex(r.digest) for r in records)
    assert max(digests.values(), default=0) <= 1
    for anchor in final:  # anyone can recompute the root from the public leaves
        assert anchor.leaf_count == len(anchor.leaves)
        assert build_tree([bytes.fromhex(leaf[2:]) for leaf in anchor.leaves]).root == anchor.root
    leaves = Counter(leaf for anchor in final for leaf in anchor.leaves)
    assert [leaf for leaf, n in leaves.items() if n > 1] == [], "a record in two anchors"
    assert leaves == digests, "each record's digest is a leaf of exactly one anchor"
    by_id = {a.id: a for a in final}
    assert [r.id for r in records if r.status != RecordStatus.anchored] == []
    assert [r.id for r in records if r.proof is None] == []
    homeless = [r.id for r in records if r.anchor_id not in by_id]
    assert homeless == [], "a record in no final anchor"
    for row in records:
        assert digest_to_hex(row.digest) in by_id[row.anchor_id or 0].leaves


def check_contract(node_url: str, address: str, final: Sequence[Anchor]) -> int:
    """The contract holds exactly the final anchors, each at its recorded index with its root
    and leaf count; returns its anchor count."""
    w3 = Web3(Web3.HTTPProvider(node_url, request_kwargs={"timeout": 30}))
    contract = w3.eth.contract(
        address=Web3.to_checksum_address(address), abi=load_artifact()["abi"]
    )
    count = int(contract.functions.anchorCount().call())
    indexes = sorted(-1 if a.chain_index is None else a.chain_index for a in final)
    assert indexes == list(range(count)), "the chain and the final anchors differ"
    on_chain = [contract.functions.anchorAt(i).call() for i in range(count)]
    for anchor in final:
        assert anchor.chain_index is not None
        assert list(contract.functions.indexOf(anchor.root).call()) == [True, anchor.chain_index]
        root, leaf_count, *_ = on_chain[anchor.chain_index]
        assert (bytes(root), leaf_count) == (anchor.root, anchor.leaf_count)
    return count


def check_signer_transactions(node_url: str, signer: str, address: str, anchors: int) -> None:
    """The signer's transactions have no nonce gap, none reverted or is left waiting, and
    exactly ``anchors`` of them went to the contract (none mined twice, none lost)."""
    w3 = Web3(Web3.HTTPProvider(node_url, request_kwargs={"timeout": 30}))
    sent = assert_nonces_without_gap(w3, signer)
    to_contract = [tx for tx in sent if tx.get("to") == Web3.to_checksum_address(address)]
    assert len(to_contract) == anchors, "an anchor transaction was mined twice (or lost)"


def assert_nonces_without_gap(w3: Web3, address: str) -> list[TxData]:
    """Every transaction the signer ever got mined on this node: nonces 0..n-1, all succeeded,
    none left waiting."""
    signer = Web3.to_checksum_address(address)
    sent: list[TxData] = []
    for number in range(w3.eth.block_number + 1):
        for tx in w3.eth.get_block(number, full_transactions=True)["transactions"]:
            assert not isinstance(tx, bytes)
            if tx["from"] == signer:
                sent.append(tx)
    assert [tx["nonce"] for tx in sent] == list(range(len(sent))), "a nonce gap"
    assert w3.eth.get_transaction_count(signer, "latest") == len(sent)
    assert w3.eth.get_transaction_count(signer, "pending") == len(sent), "a tx left waiting"
    reverted = [
        tx["hash"].hex() for tx in sent if w3.eth.get_transaction_receipt(tx["hash"])["status"] != 1
    ]
    assert reverted == [], "a mined transaction of the signer reverted"
    return sent
