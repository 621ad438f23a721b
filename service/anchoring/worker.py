"""The anchoring worker (docs/design.md §6): pending records -> Merkle root -> one `anchor` tx.

Exactly-once rests on three facts: the anchor row (root, leaves, tx hash) is committed before
the transaction is broadcast; after any interruption the worker asks the chain for the root
(`indexOf`) before it sends anything again; and the contract itself rejects a root twice.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from enum import StrEnum

from service.anchoring.deployment import (
    AnchorsDropped,
    ChainHealth,
    ChainReset,
    DeploymentError,
    NotDeployedYet,
    ensure_deployment,
    observe_deployment,
)
from service.anchoring.lock import worker_lock
from service.anchoring.repository import AnchorRepository
from service.anchoring.sender import AnchorSender, note_sent
from service.config import Settings
from service.db.engine import SessionFactory
from service.db.models import Anchor, AnchorStatus
from service.hashing import digest_to_hex
from service.ledger import (
    Ledger,
    LedgerError,
    LedgerUnavailable,
    OnChainAnchor,
    SignedAnchorTx,
    TxOutcome,
)
from service.merkle import MerkleTree, build_tree
from service.metrics import ANCHORS_DROPPED, RECORDS_ANCHORED

log = logging.getLogger(__name__)
WATCH_EVERY_MAX_S = 10.0


class Settlement(StrEnum):
    """Where an in-flight anchor stands after one look at the chain."""

    final = "final"
    unconfirmed = "unconfirmed"  # on chain, fewer blocks on top than LOTPROOF_CONFIRMATIONS
    unmined = "unmined"  # its transaction is pending, lost or being replaced
    failed = "failed"  # reverted: its records are pending again


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
        self.sender = AnchorSender(sessions=sessions, ledger=ledger, settings=settings)
        self._deployment_id: int | None = None
        # The tree of the batch this process last sent, so that recording its proofs need not
        # build it again (a keccak hash per leaf and per inner node). Only a cache: after a
        # restart, or for an anchor another process sent, the tree is rebuilt from the
        # anchor's stored leaves.
        self._last_tree: MerkleTree | None = None

    def run_forever(self, stop: threading.Event) -> None:
        """Tick every LOTPROOF_ANCHOR_INTERVAL seconds until ``stop`` is set; at once again
        after a tick that filled a whole tree (a backlog)."""
        log.info("anchoring worker started (interval %ss)", self.settings.anchor_interval)
        while not stop.is_set():
            anchored = self.tick()
            if anchored >= self.settings.anchor_max_leaves:
                # A full tree: more is likely waiting. Sleeping the interval would cap anchoring
                # at max_leaves per interval (1,024 per 5 s by default) however fast records
                # arrive.
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
                if not self.reconcile():
                    return 0
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
        except AnchorsDropped as e:  # the anchoring instance repairs it
            self.health.set("ok", f"contract present; {e}")
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
        elif isinstance(error, NotDeployedYet):
            self.health.set("unknown", str(error))
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
            if self.reconcile():
                total += self.anchor_next_batch()
            else:  # a transaction still unmined: give the chain time rather than spin
                threading.Event().wait(max(self.settings.anchor_interval, 0.2))
        return total

    def _check_chain(self) -> None:
        try:
            with self.sessions.read() as session:
                active = ensure_deployment(session, self.ledger, self.settings, may_write=False)
        except AnchorsDropped as dropped:
            self._put_back_in_flight(dropped)
            with self.sessions.read() as session:
                active = ensure_deployment(session, self.ledger, self.settings, may_write=False)
        if active is None:  # first start, or a newly configured contract: record it
            with self.sessions.write() as session, session.begin():
                active = ensure_deployment(session, self.ledger, self.settings)
        assert active is not None
        self._deployment_id = active.id
        self.health.head_block = self.ledger.block_number()
        self.health.set("ok", "contract present, chain unchanged")

    def _put_back_in_flight(self, dropped: AnchorsDropped) -> None:
        with self.sessions.write() as session, session.begin():
            repo = AnchorRepository(session)
            anchor_ids = repo.list_dropped_anchor_ids(dropped.deployment_id, dropped.from_index)
            repo.put_back_in_flight(anchor_ids)
            count = len(anchor_ids)
        ANCHORS_DROPPED.inc(count)
        log.warning(
            "%s: %d final anchors are in flight again, their records pending", dropped, count
        )

    def reconcile(self) -> bool:
        """Settle every anchor whose transaction may or may not have landed. False while one
        of their transactions is unmined: a new anchor would only queue behind it, and at most
        one in flight keeps a stuck transaction a single replacement."""
        assert self._deployment_id is not None
        with self.sessions.read() as session:
            in_flight = [
                a.id for a in AnchorRepository(session).list_in_flight(self._deployment_id)
            ]
        settled = [self._settle(anchor_id) for anchor_id in in_flight]
        return Settlement.unmined not in settled

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
        signed = self.ledger.sign_anchor(tree.root, len(claimed), fees=self.sender.offer())
        with self.sessions.write() as session:
            repo = AnchorRepository(session)
            anchor = self._anchor_row(repo, tree.root, [d for _, d in claimed], signed)
            if repo.claim_records(anchor.id, [rid for rid, _ in claimed]) != len(claimed):
                # Another worker claimed some of them first: give up this round, cleanly.
                session.rollback()
                return 0
            anchor_id = anchor.id
            session.commit()
        log.info("anchoring %d records, root %s", len(claimed), digest_to_hex(tree.root))
        try:
            self.ledger.broadcast(signed)
            self.ledger.wait_for_tx(signed.tx_hash, self.sender.receipt_wait)
        except LedgerError as e:
            log.warning("anchor %d sent but not settled yet: %s", anchor_id, e)
            return 0
        return len(claimed) if self._settle(anchor_id) == Settlement.final else 0

    def _anchor_row(
        self, repo: AnchorRepository, root: bytes, leaves: list[bytes], signed: SignedAnchorTx
    ) -> Anchor:
        """The intent row for ``root``: new, or a failed earlier try of the same leaves."""
        assert self._deployment_id is not None
        anchor = repo.get_by_root(self._deployment_id, root)
        if anchor is None or anchor.status != AnchorStatus.failed:
            anchor = Anchor(
                deployment_id=self._deployment_id,
                status=AnchorStatus.sent,
                root=root,
                leaf_count=len(leaves),
                leaves=[digest_to_hex(d) for d in leaves],
            )
            repo.add(anchor)
        anchor.status = AnchorStatus.sent
        note_sent(anchor, signed)
        return anchor

    def _settle(self, anchor_id: int, *, may_resend: bool = True) -> Settlement:
        """Bring one in-flight anchor in line with the chain."""
        with self.sessions.read() as session:
            anchor = session.get(Anchor, anchor_id)
            assert anchor is not None
            session.expunge(anchor)  # a detached copy of what the row said
        on_chain = self.ledger.find_anchor(anchor.root)
        if on_chain is not None:
            if anchor.status == AnchorStatus.sent:
                self._record_on_chain(anchor_id, on_chain, anchor.tx_hash)
            return self._finalize(anchor_id, on_chain)
        if anchor.status == AnchorStatus.anchored:
            self._unanchor(anchor_id)
        outcome = self.ledger.tx_outcome(anchor.tx_hash) if anchor.tx_hash else TxOutcome.unknown
        if outcome == TxOutcome.reverted:
            self._fail(anchor_id)
            return Settlement.failed
        if outcome == TxOutcome.unknown and may_resend:
            self.sender.resend(anchor_id, anchor.root, anchor.leaf_count)
            return self._settle(anchor_id, may_resend=False)
        if outcome == TxOutcome.pending and self.sender.is_stuck(anchor):
            self.sender.bump_fees(anchor)
        return Settlement.unmined

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

    def _finalize(self, anchor_id: int, on_chain: OnChainAnchor) -> Settlement:
        head = self.ledger.block_number()
        if head < on_chain.block_number + self.settings.confirmations:
            return Settlement.unconfirmed
        with self.sessions.write() as session, session.begin():
            anchor = session.get(Anchor, anchor_id)
            assert anchor is not None
            anchor.status = AnchorStatus.final
            anchor.chain_index = on_chain.index
            anchor.block_number = on_chain.block_number
        return Settlement.final

    def _fail(self, anchor_id: int) -> None:
        with self.sessions.write() as session, session.begin():
            anchor = session.get(Anchor, anchor_id)
            assert anchor is not None
            anchor.status = AnchorStatus.failed
            AnchorRepository(session).release_records(anchor_id)
        log.error("anchor %d reverted; its records are pending again", anchor_id)

    def _unanchor(self, anchor_id: int) -> None:
        """The anchor's block has left the chain (a reorg) before it was final: its records
        are pending again, and it is in flight until its root lands anew."""
        with self.sessions.write() as session, session.begin():
            anchor = session.get(Anchor, anchor_id)
            assert anchor is not None
            if anchor.status != AnchorStatus.anchored:
                return
            AnchorRepository(session).put_back_in_flight([anchor_id])
        ANCHORS_DROPPED.inc()
        log.warning(
            "anchor %d is no longer on the chain (reorg); its records are pending", anchor_id
        )
