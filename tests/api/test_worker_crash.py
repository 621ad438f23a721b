"""The worker dies after broadcasting and before storing the result: exactly-once on restart."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from service.anchoring.deployment import ChainHealth
from service.anchoring.worker import AnchoringWorker
from service.config import Settings
from service.db.engine import SessionFactory
from service.db.models import Anchor, AnchorStatus, Record, RecordStatus
from service.ledger import SignedAnchorTx
from service.ledger.factory import build_ledger
from service.ledger.web3_ledger import Web3Ledger
from tests.builders import event_body, make_batch, make_org, post_event, scan


class ProcessKilled(BaseException):
    """Stands in for SIGKILL: not an Exception, so nothing in the worker catches it."""


class DiesAfterBroadcast:
    """The real ledger, except that the process 'dies' right after the tx is broadcast."""

    def __init__(self, real: Web3Ledger) -> None:
        self.real = real
        self.broadcasts = 0

    def broadcast(self, tx: SignedAnchorTx) -> None:
        self.real.broadcast(tx)
        self.broadcasts += 1
        raise ProcessKilled

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


class TestCrashBetweenSendAndStore:
    def test_restart_records_the_anchor_once_without_a_second_tx(
        self, client: TestClient, sessions: SessionFactory, settings: Settings
    ) -> None:
        healthy = AnchoringWorker(
            sessions=sessions, ledger=build_ledger(settings), settings=settings
        )
        healthy.tick()  # nothing from other tests left pending
        _, key = make_org(sessions)
        batch = make_batch(client, key)
        ids = [
            post_event(client, key, batch["id"], event_body("production", hours=i))["id"]
            for i in range(3)
        ]

        dying = DiesAfterBroadcast(build_ledger(settings))
        crashing = AnchoringWorker(
            sessions=sessions, ledger=dying, settings=settings, health=ChainHealth()
        )  # type: ignore[arg-type]
        with pytest.raises(ProcessKilled):
            crashing.tick()
        assert dying.broadcasts == 1

        with sessions.read() as session:
            anchor_id = session.scalar(select(Record.anchor_id).where(Record.id == ids[0]))
            anchor = session.get(Anchor, anchor_id)
            assert anchor is not None and anchor.status == AnchorStatus.sent
            root, tx_hash = anchor.root, anchor.tx_hash

        real = build_ledger(settings)
        nonce_before = real._w3.eth.get_transaction_count(real.signer_address)
        restarted = AnchoringWorker(sessions=sessions, ledger=real, settings=settings)
        restarted.tick()

        assert real._w3.eth.get_transaction_count(real.signer_address) == nonce_before
        with sessions.read() as session:
            anchor = session.get(Anchor, anchor_id)
            assert anchor is not None
            assert anchor.status == AnchorStatus.final
            assert anchor.tx_hash == tx_hash
            assert session.scalars(select(Anchor).where(Anchor.root == root)).all() == [anchor]
            statuses = session.scalars(select(Record.status).where(Record.id.in_(ids))).all()
            assert set(statuses) == {RecordStatus.anchored}
        assert scan(client, batch)["verdict"] == "authentic"

    def test_crash_before_broadcast_resends_the_same_root(
        self, client: TestClient, sessions: SessionFactory, settings: Settings
    ) -> None:
        AnchoringWorker(sessions=sessions, ledger=build_ledger(settings), settings=settings).tick()
        _, key = make_org(sessions)
        batch = make_batch(client, key)
        post_event(client, key, batch["id"], event_body("production"))

        class DiesBeforeBroadcast(DiesAfterBroadcast):
            def broadcast(self, tx: SignedAnchorTx) -> None:
                raise ProcessKilled

        crashing = AnchoringWorker(
            sessions=sessions,
            ledger=DiesBeforeBroadcast(build_ledger(settings)),
            settings=settings,  # type: ignore[arg-type]
        )
        with pytest.raises(ProcessKilled):
            crashing.tick()
        restarted = AnchoringWorker(
            sessions=sessions, ledger=build_ledger(settings), settings=settings
        )
        restarted.tick()
        assert scan(client, batch)["verdict"] == "authentic"
