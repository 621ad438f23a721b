"""The anchoring worker (DESIGN §6): pending records -> Merkle root -> one `anchor` tx.

Exactly-once rests on three facts: the anchor row (root, leaves, tx hash) is committed before
the transaction is broadcast; after any interruption the worker asks the chain for the root
(`indexOf`) before it sends anything again; and the contract itself rejects a root twice.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

from service.anchoring.deployment import (
    ChainHealth,
    ChainReset,
    DeploymentError,
    ensure_deployment,
    observe_deployment,
)
from service.anchoring.lock import worker_lock
from service.anchoring.repository import AnchorRepository
from service.config import Settings
from service.db.engine import SessionFactory
from service.db.models import Anchor, AnchorStatus
from service.hashing import digest_to_hex
from service.ledger import Ledger, LedgerError, LedgerUnavailable, OnChainAnchor, TxOutcome
from service.merkle import MerkleTree, build_tree
from service.metrics import RECORDS_ANCHORED

log = logging.getLogger(__name__)
WATCH_EVERY_MAX_S = 10.0
RECEIPT_TIMEOUT_S = 60.0


class AnchoringWorker:
    def __init__(
        self,
        *,
        sessions: SessionFactory,
        ledger: Ledger,
        settings: Settings,
        health: ChainHealth | None = None,
    ) -> None:
        self.sessions = sessions
        self.ledger = ledger
        self.settings = settings
        self.health = health or ChainHealth()
        self._deployment_id: int | None = None
        # The tree of the batch this process last sent, so that recording its proofs need not
        # build it again (~30 ms of CPU for 1,024 leaves). Only a cache: after a restart, or for
        # an anchor another process sent, the tree is rebuilt from the anchor's stored leaves.
        self._last_tree: MerkleTree | None = None

    def run_forever(self, stop: threading.Event) -> None:
        """Tick every LOTPROOF_ANCHOR_INTERVAL seconds until ``stop`` is set; at once again
        after a tick that filled a whole tree (a backlog)."""
        log.info("anchoring worker started (interval %ss)", self.settings.anchor_interval)
        while not stop.is_set():
            anchored = self.tick()
            if anchored >= self.settings.anchor_max_leaves:
                # A full tree: more is likely waiting. Sleeping the interval would cap anchoring
                # at max_leaves per interval (1,024/s by default) however fast records arrive.
                continue
            stop.wait(max(self.settings.anchor_interval, 0.05))
        log.info("anchoring worker stopped")

    def tick(self) -> int:
        """One unit of work; returns how many records it anchored. Never raises on chain trouble."""
        try:
            with worker_lock(self.sessions.engine) as held:
                if not held:
                    # Another instance anchors; still keep this one's /readyz truthful.
                    self.observe()
                    return 0
                self._check_chain()
                self.reconcile()
                return self.anchor_next_batch()
        except (LedgerError, DeploymentError) as e:
            self._report(e)
        return 0

    def observe(self) -> None:
        """Update ``health`` from the chain without writing anything."""
        try:
            with self.sessions.read() as session:
                observe_deployment(session, self.ledger, self.settings)
            self.health.head_block = self.ledger.block_number()
            self.health.set("ok", "contract present, chain unchanged")
        except (LedgerError, DeploymentError) as e:
            self._report(e)

    def watch_forever(self, stop: threading.Event) -> None:
        """Only observe (API instances whose worker runs elsewhere: LOTPROOF_RUN_WORKER=false)."""
        while not stop.is_set():
            self.observe()
            # Health is what /readyz reports: keep it fresh even when anchoring is rare.
            stop.wait(min(max(self.settings.anchor_interval, 1.0), WATCH_EVERY_MAX_S))

    def _report(self, error: LedgerError | DeploymentError) -> None:
        if isinstance(error, LedgerUnavailable):
            self.health.set("unreachable", f"{self.settings.rpc_endpoint}: {error}")
        elif isinstance(error, ChainReset):
            self.health.set("reset", str(error))
        elif isinstance(error, DeploymentError):
            self.health.set("misconfigured", str(error))
        else:
            log.warning("anchoring deferred: %s", error)

    def anchor_all_pending(self, max_ticks: int = 10_000) -> int:
        """Anchor until nothing is pending (used by `lotproof chain reanchor`)."""
        total = 0
        for _ in range(max_ticks):
            with self.sessions.read() as session:
                if AnchorRepository(session).count_pending_records() == 0:
                    return total
            self._check_chain()
            self.reconcile()
            total += self.anchor_next_batch()
        return total

    def _check_chain(self) -> None:
        with self.sessions.read() as session:
            active = ensure_deployment(session, self.ledger, self.settings, may_write=False)
        if active is None:  # first start, or a newly configured contract: record it
            with self.sessions.write() as session, session.begin():
                active = ensure_deployment(session, self.ledger, self.settings)
        assert active is not None
        self._deployment_id = active.id
        self.health.head_block = self.ledger.block_number()
        self.health.set("ok", "contract present, chain unchanged")

    def reconcile(self) -> None:
        """Settle every anchor whose transaction may or may not have landed."""
        assert self._deployment_id is not None
        with self.sessions.read() as session:
            in_flight = [
                a.id for a in AnchorRepository(session).list_in_flight(self._deployment_id)
            ]
        for anchor_id in in_flight:
            self._settle(anchor_id)

    def anchor_next_batch(self) -> int:
        """Claim up to MAX_LEAVES pending records, anchor their root, wait for the receipt."""
        assert self._deployment_id is not None
        with self.sessions.read() as session:
            claimed = AnchorRepository(session).list_pending_digests(
                self.settings.anchor_max_leaves
            )
        if not claimed:
            return 0
        tree = build_tree([digest for _, digest in claimed])
        self._last_tree = tree
        # Signing needs the chain (nonce, gas); if it is down nothing has been written yet.
        signed = self.ledger.sign_anchor(tree.root, len(claimed))
        with self.sessions.write() as session:
            repo = AnchorRepository(session)
            anchor = self._anchor_row(repo, tree.root, [d for _, d in claimed], signed.tx_hash)
            if repo.claim_records(anchor.id, [rid for rid, _ in claimed]) != len(claimed):
                # Another worker claimed some of them first: give up this round, cleanly.
                session.rollback()
                return 0
            anchor_id = anchor.id
            session.commit()
        log.info("anchoring %d records, root %s", len(claimed), digest_to_hex(tree.root))
        try:
            self.ledger.broadcast(signed)
            self.ledger.wait_for_tx(signed.tx_hash, RECEIPT_TIMEOUT_S)
        except LedgerError as e:
            log.warning("anchor %d sent but not settled yet: %s", anchor_id, e)
            return 0
        return len(claimed) if self._settle(anchor_id) else 0

    def _anchor_row(
        self, repo: AnchorRepository, root: bytes, leaves: list[bytes], tx_hash: str
    ) -> Anchor:
        """The intent row for ``root``: new, or a failed earlier try of the same leaves."""
        assert self._deployment_id is not None
        anchor = repo.get_by_root(self._deployment_id, root)
        if anchor is not None and anchor.status == AnchorStatus.failed:
            anchor.status, anchor.tx_hash = AnchorStatus.sent, tx_hash
            return anchor
        anchor = Anchor(
            deployment_id=self._deployment_id,
            status=AnchorStatus.sent,
            root=root,
            leaf_count=len(leaves),
            leaves=[digest_to_hex(d) for d in leaves],
            tx_hash=tx_hash,
        )
        repo.add(anchor)
        return anchor

    def _settle(self, anchor_id: int, *, may_resend: bool = True) -> bool:
        """Bring one in-flight anchor in line with the chain; True once it is final."""
        with self.sessions.read() as session:
            anchor = session.get(Anchor, anchor_id)
            assert anchor is not None
            root, tx_hash, status = anchor.root, anchor.tx_hash, anchor.status
        on_chain = self.ledger.find_anchor(root)
        if on_chain is not None:
            if status == AnchorStatus.sent:
                self._record_on_chain(anchor_id, on_chain, tx_hash)
            return self._finalize(anchor_id, on_chain)
        outcome = self.ledger.tx_outcome(tx_hash) if tx_hash else TxOutcome.unknown
        if outcome == TxOutcome.reverted:
            self._fail(anchor_id)
        elif outcome == TxOutcome.unknown and may_resend:
            self._resend(anchor_id, root)
            return self._settle(anchor_id, may_resend=False)
        return False

    def _landed_tx(self, tx_hash: str | None, on_chain: OnChainAnchor) -> str | None:
        """The transaction that anchored the root: ours, or an earlier send of the same root."""
        if tx_hash is not None and self.ledger.tx_outcome(tx_hash) == TxOutcome.succeeded:
            return tx_hash
        return self.ledger.anchor_tx_hash(on_chain) or tx_hash

    def _record_on_chain(
        self, anchor_id: int, on_chain: OnChainAnchor, tx_hash: str | None
    ) -> None:
        # Chain calls and proofs come before the write transaction: on SQLite it locks out
        # every writer, so it only stores what was computed here.
        landed = self._landed_tx(tx_hash, on_chain)
        with self.sessions.read() as session:
            anchor = session.get(Anchor, anchor_id)
            assert anchor is not None
            tree = self._tree_of(anchor)
            members = AnchorRepository(session).list_digests_of_anchor(anchor_id)
        position = {digest: i for i, digest in enumerate(tree.values)}
        proofs = {
            record_id: [digest_to_hex(p) for p in tree.proof(position[digest])]
            for record_id, digest in members
        }
        with self.sessions.write() as session, session.begin():
            anchor = session.get(Anchor, anchor_id)
            assert anchor is not None
            if anchor.status != AnchorStatus.sent:
                # Settled or superseded since it was read: the members read above may be stale.
                log.warning("anchor %d became %s meanwhile; not recorded", anchor_id, anchor.status)
                return
            anchor.tx_hash = landed
            anchor.status = AnchorStatus.anchored
            anchor.chain_index = on_chain.index
            anchor.block_number = on_chain.block_number
            anchor.block_timestamp = datetime.fromtimestamp(on_chain.timestamp, UTC)
            AnchorRepository(session).mark_anchored(proofs)
            leaf_count = anchor.leaf_count
        RECORDS_ANCHORED.inc(leaf_count)
        log.info("anchor %d on chain at index %d", anchor_id, on_chain.index)

    def _tree_of(self, anchor: Anchor) -> MerkleTree:
        """The anchor's tree: the one this process built for it, else rebuilt from its leaves."""
        if self._last_tree is not None and self._last_tree.root == anchor.root:
            return self._last_tree
        # Restart recovery (exactly-once) relies on this path: the stored leaves are the truth.
        return build_tree([bytes.fromhex(leaf[2:]) for leaf in anchor.leaves])

    def _finalize(self, anchor_id: int, on_chain: OnChainAnchor) -> bool:
        head = self.ledger.block_number()
        if head < on_chain.block_number + self.settings.confirmations:
            return False
        with self.sessions.write() as session, session.begin():
            anchor = session.get(Anchor, anchor_id)
            assert anchor is not None
            anchor.status = AnchorStatus.final
            anchor.chain_index = on_chain.index
            anchor.block_number = on_chain.block_number
        return True

    def _fail(self, anchor_id: int) -> None:
        with self.sessions.write() as session, session.begin():
            anchor = session.get(Anchor, anchor_id)
            assert anchor is not None
            anchor.status = AnchorStatus.failed
            AnchorRepository(session).release_records(anchor_id)
        log.error("anchor %d reverted; its records are pending again", anchor_id)

    def _resend(self, anchor_id: int, root: bytes) -> None:
        """The node never saw the transaction (crash before broadcast, node restart): send again."""
        with self.sessions.read() as session:
            anchor = session.get(Anchor, anchor_id)
            assert anchor is not None
            leaf_count = anchor.leaf_count
        signed = self.ledger.sign_anchor(root, leaf_count)
        with self.sessions.write() as session, session.begin():
            anchor = session.get(Anchor, anchor_id)
            assert anchor is not None
            anchor.tx_hash = signed.tx_hash
        log.warning("anchor %d: transaction lost, resending as %s", anchor_id, signed.tx_hash)
        self.ledger.broadcast(signed)
        self.ledger.wait_for_tx(signed.tx_hash, RECEIPT_TIMEOUT_S)
