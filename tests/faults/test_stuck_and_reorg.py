"""Anchor transactions that are not mined, and blocks that leave the chain.

With automine off the node keeps transactions in its mempool, as a busy chain keeps an
underpriced one: the worker must replace its stuck anchor with the same nonce and fees raised
by at least 12.5 %, never above the configured cap, and send nothing else meanwhile. A reorg
is the node's snapshot/revert: the block holding an anchor disappears, and the records must go
back to `pending` (never `verified`) until the root lands again.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from web3 import Web3
from web3.exceptions import TransactionNotFound

from service.anchoring.fees import gwei_to_wei
from service.anchoring.worker import AnchoringWorker
from service.app import create_app
from service.config import Settings
from service.db.engine import SessionFactory
from service.db.models import Anchor, AnchorStatus, Deployment, OrgRole, Record, RecordStatus
from service.ledger.factory import build_ledger
from service.metrics import ANCHORS_DROPPED
from tests.builders import auth, event_body, make_batch, make_org, post_event, scan
from tests.faults.conftest import fault_settings
from tests.support.hardhat import HardhatNode, load_artifact

CAP_GWEI = 4.0


@pytest.fixture
def w3(fault_node: HardhatNode) -> Iterator[Web3]:
    web3 = Web3(Web3.HTTPProvider(fault_node.url))
    yield web3
    web3.provider.make_request("evm_setAutomine", [True])  # type: ignore[arg-type]


def _rpc(w3: Web3, method: str, *params: Any) -> Any:
    response = w3.provider.make_request(method, list(params))  # type: ignore[arg-type]
    assert "error" not in response, response
    return response["result"]


@pytest.fixture
def exits() -> Iterator[ExitStack]:
    with ExitStack() as stack:
        yield stack


def _stack(
    exits: ExitStack, settings: Settings, sessions: SessionFactory
) -> tuple[TestClient, AnchoringWorker, str, dict[str, Any]]:
    client = exits.enter_context(TestClient(create_app(settings)))
    worker = AnchoringWorker(sessions=sessions, ledger=build_ledger(settings), settings=settings)
    worker.tick()  # deploys this test's contract
    _, key = make_org(sessions)
    batch = make_batch(client, key)
    for hour in range(3):
        post_event(client, key, batch["id"], event_body("production", hours=hour))
    return client, worker, key, batch


def _anchors(sessions: SessionFactory) -> list[Anchor]:
    with sessions.read() as session:
        rows = session.scalars(select(Anchor).order_by(Anchor.id)).all()
        for row in rows:
            session.expunge(row)
        return list(rows)


def _record_states(sessions: SessionFactory, batch_id: int) -> set[tuple[str, bool]]:
    with sessions.read() as session:
        rows = session.execute(
            select(Record.status, Record.proof).where(Record.batch_id == batch_id)
        ).all()
    return {(status, proof is not None) for status, proof in rows}


def _onchain_count(w3: Web3, sessions: SessionFactory) -> int:
    with sessions.read() as session:
        address = session.scalars(select(Deployment.address)).one()
    contract = w3.eth.contract(
        address=Web3.to_checksum_address(address), abi=load_artifact()["abi"]
    )
    return int(contract.functions.anchorCount().call())


def _offer(w3: Web3, tx_hash: str | None) -> tuple[int, int, int]:
    """(nonce, max fee, tip) of a transaction the node holds."""
    assert tx_hash is not None
    tx = w3.eth.get_transaction(tx_hash)  # type: ignore[arg-type]
    return int(tx["nonce"]), int(tx["maxFeePerGas"]), int(tx["maxPriorityFeePerGas"])


class TestStuckTransaction:
    def test_is_replaced_with_higher_fees_up_to_the_cap_then_mined_once(
        self,
        w3: Web3,
        fault_node: HardhatNode,
        fault_db_url: str,
        fault_sessions: SessionFactory,
        tmp_path: Path,
        exits: ExitStack,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        caplog.set_level(logging.WARNING, logger="service.anchoring")
        settings = fault_settings(
            fault_db_url, fault_node.url, tmp_path / "files",
            anchor_stuck_after=0.3, anchor_max_fee_gwei=CAP_GWEI,
        )  # fmt: skip
        cap = gwei_to_wei(CAP_GWEI)
        client, worker, key, batch = _stack(exits, settings, fault_sessions)
        signer = Web3.to_checksum_address(build_ledger(settings).signer_address)
        nonce = w3.eth.get_transaction_count(signer)
        _rpc(w3, "evm_setAutomine", False)

        worker.tick()  # signs and broadcasts; the node does not mine it
        sent = [_anchors(fault_sessions)[-1].tx_hash]
        offers = [_offer(w3, sent[0])]
        for _ in range(30):
            time.sleep(0.35)
            post_event(client, key, batch["id"], event_body("packing"))  # keeps arriving
            worker.tick()
            current = _anchors(fault_sessions)[-1]
            if current.tx_hash != sent[-1]:
                sent.append(current.tx_hash)
                offers.append(_offer(w3, current.tx_hash))
            if (current.max_fee_per_gas or 0) >= cap:
                break
        for old in sent[:-1]:  # a replaced transaction is gone from the node
            with pytest.raises(TransactionNotFound):
                w3.eth.get_transaction(old)  # type: ignore[arg-type]
        assert len(sent) >= 3, offers  # from about 2.6 gwei up to the 4 gwei cap
        assert {n for n, _, _ in offers} == {nonce}
        for (_, old_max, old_tip), (_, new_max, new_tip) in itertools.pairwise(offers):
            assert new_max * 1000 >= old_max * 1125 and new_tip * 1000 >= old_tip * 1125
        assert all(max_fee <= cap for _, max_fee, _ in offers)
        # Each bump was enough for the node; only the last, cut short by the cap, may not be.
        refused = [r for r in caplog.records if "replacement refused" in r.getMessage()]
        assert len(refused) <= 1, [r.getMessage() for r in refused]
        pending_block = w3.eth.get_block("pending")
        assert len(pending_block["transactions"]) == 1  # nothing queued behind the stuck one

        # At the cap it waits: no further replacement.
        time.sleep(0.4)
        worker.tick()
        assert _anchors(fault_sessions)[-1].tx_hash == sent[-1]
        assert scan(client, batch)["verdict"] == "pending"

        _rpc(w3, "evm_setAutomine", True)
        _rpc(w3, "evm_mine")
        while worker.tick():  # the stuck root, then what arrived meanwhile
            pass
        anchors = _anchors(fault_sessions)
        assert anchors[0].tx_hash == sent[-1]
        assert all(a.status == AnchorStatus.final for a in anchors)
        assert w3.eth.get_transaction_count(signer) == nonce + len(anchors)  # no gap, no extra
        assert _onchain_count(w3, fault_sessions) == len(anchors)
        assert _record_states(fault_sessions, batch["id"]) == {(RecordStatus.anchored, True)}
        assert scan(client, batch)["verdict"] == "authentic"


class TestReorg:
    def test_a_dropped_anchor_goes_back_to_pending_and_is_anchored_again(
        self,
        w3: Web3,
        fault_node: HardhatNode,
        fault_db_url: str,
        fault_sessions: SessionFactory,
        tmp_path: Path,
        exits: ExitStack,
    ) -> None:
        settings = fault_settings(
            fault_db_url, fault_node.url, tmp_path / "files",
            confirmations=2, anchor_stuck_after=0.5,
        )  # fmt: skip
        client, worker, _, batch = _stack(exits, settings, fault_sessions)
        _, inspector = make_org(fault_sessions, OrgRole.inspector)
        dropped_before = ANCHORS_DROPPED._value.get()
        snapshot = _rpc(w3, "evm_snapshot")
        worker.tick()
        (anchor,) = _anchors(fault_sessions)
        assert anchor.status == AnchorStatus.anchored  # mined, not yet 2 blocks deep
        assert _record_states(fault_sessions, batch["id"]) == {(RecordStatus.anchored, True)}
        assert _verdicts(client, inspector, batch) == {"pending"}

        assert _rpc(w3, "evm_revert", snapshot) is True  # the anchor's block is gone
        assert _onchain_count(w3, fault_sessions) == 0
        assert _verdicts(client, inspector, batch) == {"pending"}  # never "verified"

        _rpc(w3, "evm_setAutomine", False)
        worker.tick()  # notices, and sends the root again; not mined yet
        (anchor,) = _anchors(fault_sessions)
        assert anchor.status == AnchorStatus.sent and anchor.chain_index is None
        assert _record_states(fault_sessions, batch["id"]) == {(RecordStatus.pending, False)}
        assert ANCHORS_DROPPED._value.get() == dropped_before + 1
        assert _verdicts(client, inspector, batch) == {"pending"}

        _rpc(w3, "evm_setAutomine", True)
        _rpc(w3, "evm_mine")
        worker.tick()
        assert _record_states(fault_sessions, batch["id"]) == {(RecordStatus.anchored, True)}
        _rpc(w3, "hardhat_mine", "0x2")
        worker.tick()
        (anchor,) = _anchors(fault_sessions)
        assert anchor.status == AnchorStatus.final and anchor.chain_index == 0
        assert _onchain_count(w3, fault_sessions) == 1
        assert _verdicts(client, inspector, batch) == {"verified"}
        assert scan(client, batch)["verdict"] == "authentic"

    def test_a_reorg_deeper_than_the_confirmations_is_repaired_too(
        self,
        w3: Web3,
        fault_node: HardhatNode,
        fault_db_url: str,
        fault_sessions: SessionFactory,
        tmp_path: Path,
        exits: ExitStack,
    ) -> None:
        # The dev default: no confirmations, so anchors are final at once, and a reorg drops
        # final ones. The chain keeps a prefix of our anchors; the dropped tail is sent again.
        settings = fault_settings(
            fault_db_url, fault_node.url, tmp_path / "files", anchor_stuck_after=0.5
        )
        client, worker, key, batch = _stack(exits, settings, fault_sessions)
        worker.tick()
        snapshot = _rpc(w3, "evm_snapshot")
        later = make_batch(client, key)
        for hour in range(4):
            post_event(client, key, later["id"], event_body("production", hours=hour))
        worker.tick()
        assert [a.status for a in _anchors(fault_sessions)] == [AnchorStatus.final] * 2
        assert scan(client, later)["verdict"] == "authentic"

        _rpc(w3, "evm_revert", snapshot)  # the second anchor's block is gone
        assert _onchain_count(w3, fault_sessions) == 1
        _rpc(w3, "evm_setAutomine", False)
        worker.tick()
        first, second = _anchors(fault_sessions)
        assert first.status == AnchorStatus.final and second.status == AnchorStatus.sent
        assert _record_states(fault_sessions, later["id"]) == {(RecordStatus.pending, False)}
        assert _record_states(fault_sessions, batch["id"]) == {(RecordStatus.anchored, True)}
        assert scan(client, later)["verdict"] == "pending"
        assert worker.health.state == "ok"  # a reorg, not a reset

        _rpc(w3, "evm_setAutomine", True)
        _rpc(w3, "evm_mine")
        worker.tick()
        first, second = _anchors(fault_sessions)
        assert second.status == AnchorStatus.final and second.chain_index == 1
        assert _onchain_count(w3, fault_sessions) == 2
        assert scan(client, later)["verdict"] == "authentic"
        assert scan(client, batch)["verdict"] == "authentic"


def _verdicts(client: TestClient, key: str, batch: dict[str, Any]) -> set[str]:
    response = client.get(f"/api/v1/batches/{batch['id']}/audit", headers=auth(key))
    assert response.status_code == 200, response.text
    return {item["verdict"] for item in response.json()["items"]}
