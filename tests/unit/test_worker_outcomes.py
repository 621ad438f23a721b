"""The worker's decisions for each answer the chain can give (ledger faked at its interface)."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

import pytest

from service.anchoring.worker import AnchoringWorker
from service.config import Settings
from service.db import migrate
from service.db.engine import SessionFactory, make_engine
from service.db.models import Anchor, AnchorStatus, Batch, Organization, Product, Record
from service.ledger import (
    ChainIdentity,
    Fees,
    LedgerUnavailable,
    OnChainAnchor,
    SignedAnchorTx,
    TxOutcome,
)
from service.ledger.interface import Deployed
from tests.builders import random_gtin

ADDRESS = "0x5FbDB2315678afecb367f032d93F642f64180aa3"


class FakeLedger:
    """A scripted chain: tests set ``outcome`` and whether roots get anchored."""

    def __init__(self) -> None:
        self.outcome = TxOutcome.succeeded
        self.lands = True
        self.down = False
        self.anchored: dict[bytes, OnChainAnchor] = {}
        self.sent: list[str] = []

    def _up(self) -> None:
        if self.down:
            raise LedgerUnavailable("connection refused")

    def identity(self) -> ChainIdentity:
        self._up()
        return ChainIdentity(chain_id=31337, genesis_hash="0x" + "00" * 32)

    def block_number(self) -> int:
        return 100

    def has_contract(self, address: str) -> bool:
        return True

    def deploy(self) -> Deployed:
        return Deployed(address=ADDRESS, tx_hash="0x" + "aa" * 32, block_number=1)

    def use_contract(self, address: str) -> None:
        pass

    def suggested_fees(self) -> Fees:
        self._up()
        return Fees(max_fee_per_gas=3 * 10**9, max_priority_fee_per_gas=10**9)

    def sign_anchor(
        self, root: bytes, leaf_count: int, *, fees: Fees, nonce: int | None = None
    ) -> SignedAnchorTx:
        self._up()
        used = len(self.sent) if nonce is None else nonce
        return SignedAnchorTx(tx_hash="0x" + secrets.token_hex(32), raw=root, nonce=used, fees=fees)

    def broadcast(self, tx: SignedAnchorTx) -> None:
        self._up()
        self.sent.append(tx.tx_hash)
        if self.lands and self.outcome == TxOutcome.succeeded:
            self.anchored[tx.raw] = OnChainAnchor(len(self.anchored), tx.raw, 1, 99, 1_700_000_000)

    def tx_outcome(self, tx_hash: str) -> TxOutcome:
        return self.outcome

    def wait_for_tx(self, tx_hash: str, timeout: float) -> TxOutcome:
        return self.outcome

    def find_anchor(self, root: bytes) -> OnChainAnchor | None:
        return self.anchored.get(root)

    def anchor_tx_hash(self, anchor: OnChainAnchor) -> str | None:
        return self.sent[-1] if self.sent else None


@pytest.fixture
def sessions(tmp_path: Path) -> SessionFactory:
    engine = make_engine(f"sqlite:///{tmp_path / 'unit.db'}")
    migrate.upgrade(engine)
    return SessionFactory(engine)


def _pending_records(sessions: SessionFactory, count: int) -> list[int]:
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    with sessions.write() as session, session.begin():
        org = Organization(slug=secrets.token_hex(4), name="o", role="supplier")
        session.add(org)
        session.flush()
        product = Product(owner_org_id=org.id, gtin=random_gtin(), name="p")
        session.add(product)
        session.flush()
        batch = Batch(
            product_id=product.id,
            owner_org_id=org.id,
            gtin=product.gtin,
            lot="L1",
            quantity=1,
            uom="KGM",
            produced_at=now,
        )
        session.add(batch)
        session.flush()
        records = [
            Record(
                batch_id=batch.id,
                n=i,
                event_type="production",
                event_time=now,
                actor_org_id=org.id,
                content="{}",
                digest=secrets.token_bytes(32),
            )
            for i in range(count)
        ]
        session.add_all(records)
        session.flush()
        return [r.id for r in records]


def _worker(sessions: SessionFactory, ledger: FakeLedger) -> AnchoringWorker:
    return AnchoringWorker(sessions=sessions, ledger=ledger, settings=Settings(env="dev"))  # type: ignore[arg-type]


class TestWorkerOutcomes:
    def test_success_marks_anchor_final_and_records_anchored(
        self, sessions: SessionFactory
    ) -> None:
        _pending_records(sessions, 3)
        ledger = FakeLedger()
        assert _worker(sessions, ledger).tick() == 3
        with sessions.read() as session:
            anchor = session.query(Anchor).one()
            assert anchor.status == AnchorStatus.final and anchor.leaf_count == 3
            assert {r.status for r in session.query(Record)} == {"anchored"}

    def test_reverted_tx_releases_records_for_the_next_round(
        self, sessions: SessionFactory
    ) -> None:
        ids = _pending_records(sessions, 2)
        ledger = FakeLedger()
        ledger.outcome = TxOutcome.reverted
        worker = _worker(sessions, ledger)
        assert worker.tick() == 0
        with sessions.read() as session:
            assert session.query(Anchor).one().status == AnchorStatus.failed
            assert {r.anchor_id for r in session.query(Record).filter(Record.id.in_(ids))} == {None}
        ledger.outcome = TxOutcome.succeeded
        assert worker.tick() == 2

    def test_chain_down_writes_nothing_and_reports_unreachable(
        self, sessions: SessionFactory
    ) -> None:
        _pending_records(sessions, 2)
        ledger = FakeLedger()
        worker = _worker(sessions, ledger)
        worker.tick()
        _pending_records(sessions, 1)
        ledger.down = True
        assert worker.tick() == 0
        assert worker.health.state == "unreachable"
        with sessions.read() as session:
            assert session.query(Anchor).count() == 1

    def test_pending_tx_is_left_alone_until_it_lands(self, sessions: SessionFactory) -> None:
        _pending_records(sessions, 1)
        ledger = FakeLedger()
        ledger.outcome, ledger.lands = TxOutcome.pending, False
        worker = _worker(sessions, ledger)
        assert worker.tick() == 0
        assert worker.tick() == 0
        assert len(ledger.sent) == 1  # still in the mempool: never resent
        root = next(iter(_roots(sessions)))
        ledger.anchored[root] = OnChainAnchor(0, root, 1, 99, 1_700_000_000)
        worker.tick()
        with sessions.read() as session:
            assert session.query(Anchor).one().status == AnchorStatus.final


def _roots(sessions: SessionFactory) -> list[bytes]:
    with sessions.read() as session:
        return [a.root for a in session.query(Anchor)]


def test_an_observer_before_the_first_deployment_waits_without_an_error(
    sessions: SessionFactory, caplog: pytest.LogCaptureFixture
) -> None:
    # An API instance may look before `lotproof worker` has recorded the contract.
    caplog.set_level(logging.INFO, logger="service.anchoring")
    worker = _worker(sessions, FakeLedger())
    worker.observe()
    assert worker.health.state == "unknown"
    assert "no contract deployed yet" in worker.health.message
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
