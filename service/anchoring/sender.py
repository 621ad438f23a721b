"""Sending anchor transactions: the nonce, the fees, and replacing one that is stuck.

Every send stores its intent (tx hash, nonce, fees, time) before the broadcast, so that after
a crash the worker knows what may have reached the chain (docs/design.md §6).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from service.anchoring.fees import bumped, capped, gwei_to_wei
from service.config import Settings
from service.db.engine import SessionFactory
from service.db.models import Anchor
from service.ledger import Fees, Ledger, NonceTooLow, ReplacementUnderpriced, SignedAnchorTx
from service.metrics import ANCHOR_FEE_BUMPS

log = logging.getLogger(__name__)
RECEIPT_TIMEOUT_S = 60.0


class AnchorSender:
    def __init__(self, *, sessions: SessionFactory, ledger: Ledger, settings: Settings) -> None:
        self.sessions = sessions
        self.ledger = ledger
        self.settings = settings

    @property
    def receipt_wait(self) -> float:
        # Waiting longer than a transaction takes to count as stuck would only delay its bump.
        return min(RECEIPT_TIMEOUT_S, self.settings.anchor_stuck_after)

    def offer(self) -> Fees:
        """The market's fees for a new transaction, within the operator's cap."""
        return capped(self.ledger.suggested_fees(), gwei_to_wei(self.settings.anchor_max_fee_gwei))

    def resend(self, anchor_id: int, root: bytes, leaf_count: int) -> None:
        """The node never saw the transaction (crash before broadcast, node restart, reorg):
        send again, with the account's next nonce so that no nonce is skipped."""
        signed = self.ledger.sign_anchor(root, leaf_count, fees=self.offer())
        self.store_sent(anchor_id, signed)
        log.warning("anchor %d: transaction lost, resending as %s", anchor_id, signed.tx_hash)
        self.ledger.broadcast(signed)
        self.ledger.wait_for_tx(signed.tx_hash, self.receipt_wait)

    def is_stuck(self, anchor: Anchor) -> bool:
        sent_at = anchor.sent_at or anchor.created_at
        waited = (datetime.now(UTC) - sent_at).total_seconds()
        return waited >= self.settings.anchor_stuck_after

    def bump_fees(self, anchor: Anchor) -> None:
        """Replace a stuck transaction: same nonce, fees up by at least the bump, up to the cap."""
        cap = gwei_to_wei(self.settings.anchor_max_fee_gwei)
        if anchor.nonce is None or anchor.max_fee_per_gas is None:
            return  # sent before fees were recorded: left to the node
        previous = Fees(anchor.max_fee_per_gas, anchor.max_priority_fee_per_gas or 0)
        if previous.max_fee_per_gas >= cap:
            log.warning("anchor %d is stuck at the fee cap; waiting for the chain", anchor.id)
            return
        fees = bumped(
            previous,
            self.ledger.suggested_fees(),
            percent=self.settings.anchor_fee_bump_percent,
            cap=cap,
        )
        signed = self.ledger.sign_anchor(
            anchor.root, anchor.leaf_count, fees=fees, nonce=anchor.nonce
        )
        self.store_sent(anchor.id, signed)  # intent first, as for any send
        try:
            self.ledger.broadcast(signed)
        except (ReplacementUnderpriced, NonceTooLow) as e:
            # The node kept the old transaction (or mined it). Track it again; the next bump
            # starts from the fees just refused, so repeated refusals climb towards the cap.
            self.store_sent(anchor.id, signed, tx_hash=anchor.tx_hash, sent_at=anchor.sent_at)
            log.warning("anchor %d: replacement refused (%s)", anchor.id, e)
            return
        ANCHOR_FEE_BUMPS.inc()
        log.warning(
            "anchor %d stuck: replaced %s with %s, max fee %d -> %d wei",
            anchor.id,
            anchor.tx_hash,
            signed.tx_hash,
            previous.max_fee_per_gas,
            fees.max_fee_per_gas,
        )

    def store_sent(
        self,
        anchor_id: int,
        signed: SignedAnchorTx,
        *,
        tx_hash: str | None = None,
        sent_at: datetime | None = None,
    ) -> None:
        with self.sessions.write() as session, session.begin():
            anchor = session.get(Anchor, anchor_id)
            assert anchor is not None
            note_sent(anchor, signed)
            if tx_hash is not None:
                anchor.tx_hash = tx_hash
            if sent_at is not None:
                anchor.sent_at = sent_at


def note_sent(anchor: Anchor, signed: SignedAnchorTx) -> None:
    anchor.tx_hash = signed.tx_hash
    anchor.nonce = signed.nonce
    anchor.max_fee_per_gas = signed.fees.max_fee_per_gas
    anchor.max_priority_fee_per_gas = signed.fees.max_priority_fee_per_gas
    anchor.sent_at = datetime.now(UTC)
