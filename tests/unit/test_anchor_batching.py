"""One anchoring tick: leaves without payloads, one tree per anchor, proofs stored in bulk."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select

from service.anchoring import worker as worker_module
from service.anchoring.worker import AnchoringWorker
from service.config import Settings
from service.db import migrate
from service.db.engine import SessionFactory, make_engine
from service.db.models import Anchor, AnchorStatus, Record, RecordStatus
from service.ledger import OnChainAnchor, TxOutcome
from service.merkle import MerkleTree, build_tree, verify_proof
from tests.unit.test_worker_outcomes import FakeLedger, _pending_records


@pytest.fixture
def sessions(tmp_path: Path) -> Iterator[SessionFactory]:
    engine = make_engine(f"sqlite:///{tmp_path / 'batching.db'}")
    migrate.upgrade(engine)
    yield SessionFactory(engine)
    engine.dispose()


@pytest.fixture
def tree_builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many leaves each `build_tree` call of the worker had."""
    calls: list[int] = []

    def counting(values: list[bytes]) -> MerkleTree:
        calls.append(len(values))
        return build_tree(values)

    monkeypatch.setattr(worker_module, "build_tree", counting)
    return calls


def _worker(sessions: SessionFactory, ledger: FakeLedger) -> AnchoringWorker:
    return AnchoringWorker(sessions=sessions, ledger=ledger, settings=Settings(env="dev"))


def ledger_anchor(root: bytes) -> OnChainAnchor:
    """The root as the chain reports it once mined (block 99; the fake head is 100)."""
    return OnChainAnchor(index=0, root=root, leaf_count=1, block_number=99, timestamp=1_700_000_000)


def _stored(sessions: SessionFactory, ids: list[int]) -> tuple[bytes, list[Record]]:
    with sessions.read() as session:
        records = list(session.scalars(select(Record).where(Record.id.in_(ids))))
        anchor = session.get(Anchor, records[0].anchor_id)
        assert anchor is not None
        return anchor.root, records


def _assert_all_proven(sessions: SessionFactory, ids: list[int]) -> None:
    root, records = _stored(sessions, ids)
    assert len(records) == len(ids)
    for record in records:
        assert record.status == RecordStatus.anchored
        assert record.proof is not None
        proof = [bytes.fromhex(p[2:]) for p in record.proof]
        assert verify_proof(root, record.digest, proof), record.id


class TestOneTick:
    def test_every_record_gets_a_proof_of_the_anchored_root(
        self, sessions: SessionFactory, tree_builds: list[int]
    ) -> None:
        ids = _pending_records(sessions, 37)
        assert _worker(sessions, FakeLedger()).tick() == 37
        _assert_all_proven(sessions, ids)

    def test_the_tree_is_built_once_per_anchor(
        self, sessions: SessionFactory, tree_builds: list[int]
    ) -> None:
        _pending_records(sessions, 5)
        assert _worker(sessions, FakeLedger()).tick() == 5
        assert tree_builds == [5]

    def test_record_payloads_are_never_read(self, sessions: SessionFactory) -> None:
        _pending_records(sessions, 4)
        statements: list[str] = []

        def capture(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            statements.append(statement)

        event.listen(sessions.engine, "before_cursor_execute", capture)
        try:
            assert _worker(sessions, FakeLedger()).tick() == 4
        finally:
            event.remove(sessions.engine, "before_cursor_execute", capture)
        assert any("FROM records" in s for s in statements)
        assert not [s for s in statements if "records.content" in s]


class TestRecoveryRebuildsTheTree:
    def test_a_restarted_worker_stores_the_same_valid_proofs(
        self, sessions: SessionFactory, tree_builds: list[int]
    ) -> None:
        ids = _pending_records(sessions, 9)
        ledger = FakeLedger()
        ledger.outcome, ledger.lands = TxOutcome.pending, False
        assert _worker(sessions, ledger).tick() == 0  # sent, then the process "dies"
        root = _stored(sessions, ids)[0]
        ledger.outcome = TxOutcome.succeeded
        ledger.anchored[root] = ledger_anchor(root)

        restarted = _worker(sessions, ledger)
        tree_builds.clear()
        restarted.tick()
        assert tree_builds == [9]  # nothing cached after a restart: rebuilt from stored leaves
        _assert_all_proven(sessions, ids)
        assert len(ledger.sent) == 1

    def test_a_cached_tree_of_another_root_is_not_used(
        self, sessions: SessionFactory, tree_builds: list[int]
    ) -> None:
        first = _pending_records(sessions, 3)
        ledger = FakeLedger()
        ledger.outcome, ledger.lands = TxOutcome.pending, False
        worker = _worker(sessions, ledger)
        worker.tick()
        root = _stored(sessions, first)[0]
        worker._last_tree = build_tree([bytes(32), bytes([1]) * 32])  # some other batch
        ledger.outcome = TxOutcome.succeeded
        ledger.anchored[root] = ledger_anchor(root)
        worker.tick()
        _assert_all_proven(sessions, first)


class TestRecordingIsGuarded:
    def test_an_anchor_no_longer_sent_is_left_as_it_is(self, sessions: SessionFactory) -> None:
        ids = _pending_records(sessions, 2)
        ledger = FakeLedger()
        ledger.outcome, ledger.lands = TxOutcome.pending, False
        worker = _worker(sessions, ledger)
        worker.tick()
        with sessions.write() as session, session.begin():
            anchor = session.scalars(select(Anchor)).one()
            anchor.status = AnchorStatus.superseded
            anchor_id, root = anchor.id, anchor.root
        worker._record_on_chain(anchor_id, ledger_anchor(root), None)
        _, records = _stored(sessions, ids)
        assert [(r.status, r.proof) for r in records] == [(RecordStatus.pending, None)] * 2


class _Stop:
    """A stand-in for the worker's stop event that records every wait."""

    def __init__(self) -> None:
        self.waits: list[float] = []
        self.set_after_waits = 1

    def is_set(self) -> bool:
        return len(self.waits) >= self.set_after_waits

    def wait(self, seconds: float) -> bool:
        self.waits.append(seconds)
        return self.is_set()


def test_a_full_tree_is_followed_at_once_by_the_next_tick(sessions: SessionFactory) -> None:
    """A backlog drains at the chain's pace, not at max_leaves per anchoring interval."""
    settings = Settings(env="dev", anchor_interval=30, anchor_max_leaves=4)
    worker = AnchoringWorker(sessions=sessions, ledger=FakeLedger(), settings=settings)
    anchored = iter([4, 4, 2, 0])
    ticks: list[int] = []

    def tick() -> int:
        ticks.append(1)
        return next(anchored)

    worker.tick = tick  # type: ignore[method-assign]
    stop = _Stop()
    worker.run_forever(stop)  # type: ignore[arg-type]
    # Two full trees, then a partial one: only then does the worker sleep the interval.
    assert len(ticks) == 3
    assert stop.waits == [30]
