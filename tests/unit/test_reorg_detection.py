"""How the worker tells a reorg (the chain keeps a prefix of our final anchors) from a reset
(none of them is left), with the chain faked at the ledger interface."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from service.anchoring.deployment import AnchorsDropped, ChainReset, check_final_anchors
from service.db import migrate
from service.db.engine import SessionFactory, make_engine
from service.db.models import Anchor, AnchorStatus, Deployment
from service.ledger import OnChainAnchor


class PrefixChain:
    """A contract holding our first ``kept`` anchors; counts the lookups."""

    def __init__(self, roots: list[bytes], kept: int) -> None:
        self.index = {root: i for i, root in enumerate(roots[:kept])}
        self.lookups = 0

    def find_anchor(self, root: bytes) -> OnChainAnchor | None:
        self.lookups += 1
        if root not in self.index:
            return None
        return OnChainAnchor(self.index[root], root, 1, 10, 1_700_000_000)


@pytest.fixture
def session(tmp_path: Path) -> tuple[Session, Deployment, list[bytes]]:
    engine = make_engine(f"sqlite:///{tmp_path / 'reorg.db'}")
    migrate.upgrade(engine)
    session = SessionFactory(engine).write()
    deployment = Deployment(chain_id=31337, genesis_hash="0x" + "00" * 32, address="0x" + "11" * 20)
    session.add(deployment)
    session.flush()
    roots = [hashlib.sha256(bytes([i])).digest() for i in range(100)]
    for i, root in enumerate(roots):
        session.add(
            Anchor(
                deployment_id=deployment.id,
                status=AnchorStatus.final,
                root=root,
                leaf_count=1,
                leaves=[],
                chain_index=i,
            )
        )
    session.flush()
    return session, deployment, roots


@pytest.mark.parametrize("kept", [1, 37, 98, 99])
def test_a_reorg_is_found_where_the_prefix_ends(
    session: tuple[Session, Deployment, list[bytes]], kept: int
) -> None:
    db, deployment, roots = session
    chain = PrefixChain(roots, kept)
    with pytest.raises(AnchorsDropped) as dropped:
        check_final_anchors(db, chain, deployment)  # type: ignore[arg-type]
    assert dropped.value.from_index == kept
    assert chain.lookups <= 2 + 7  # newest, oldest, then a binary search of 100


def test_no_anchor_left_is_a_reset(session: tuple[Session, Deployment, list[bytes]]) -> None:
    db, deployment, roots = session
    with pytest.raises(ChainReset):
        check_final_anchors(db, PrefixChain(roots, 0), deployment)  # type: ignore[arg-type]


def test_an_intact_chain_costs_one_lookup(
    session: tuple[Session, Deployment, list[bytes]],
) -> None:
    db, deployment, roots = session
    chain = PrefixChain(roots, 100)
    check_final_anchors(db, chain, deployment)  # type: ignore[arg-type]
    assert chain.lookups == 1
