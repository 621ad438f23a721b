"""What the rest of the service may ask of a chain, in our own types and errors."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class LedgerError(Exception):
    """Base of everything the ledger raises."""


class LedgerUnavailable(LedgerError):
    """The RPC endpoint did not answer (down, timed out, refused)."""


class LedgerRejected(LedgerError):
    """The chain answered and said no (revert, bad nonce, no funds, wrong key, ...)."""


class NonceTooLow(LedgerRejected):
    """The transaction's nonce is already used: an earlier transaction of ours was mined."""


class ReplacementUnderpriced(LedgerRejected):
    """The node keeps a transaction with the same nonce and the new fees do not beat it."""


@dataclass(frozen=True)
class ChainIdentity:
    chain_id: int
    genesis_hash: str  # 0x hex


@dataclass(frozen=True)
class OnChainAnchor:
    index: int
    root: bytes
    leaf_count: int
    block_number: int
    timestamp: int  # unix seconds


@dataclass(frozen=True)
class Fees:
    """What a transaction offers per gas, in wei (EIP-1559; on a legacy chain both are the gas
    price)."""

    max_fee_per_gas: int
    max_priority_fee_per_gas: int


@dataclass(frozen=True)
class SignedAnchorTx:
    tx_hash: str  # 0x hex, known before broadcast
    raw: bytes
    nonce: int
    fees: Fees


class TxOutcome(StrEnum):
    unknown = "unknown"  # the node has never heard of it (or forgot it)
    pending = "pending"  # in the mempool
    succeeded = "succeeded"
    reverted = "reverted"


@dataclass(frozen=True)
class Deployed:
    address: str
    tx_hash: str
    block_number: int


class Ledger(Protocol):
    """A TraceAnchor contract on one chain, with the key that may anchor to it."""

    def identity(self) -> ChainIdentity: ...

    def block_number(self) -> int: ...

    def has_contract(self, address: str) -> bool: ...

    def deploy(self) -> Deployed:
        """Deploy TraceAnchor with the signer as admin and anchorer."""
        ...

    def use_contract(self, address: str) -> None: ...

    def suggested_fees(self) -> Fees:
        """What the chain currently asks per gas for a transaction to be mined soon."""
        ...

    def sign_anchor(
        self, root: bytes, leaf_count: int, *, fees: Fees, nonce: int | None = None
    ) -> SignedAnchorTx:
        """Build and sign ``anchor(root, leafCount)`` offering ``fees``; with ``nonce``, a
        replacement of the transaction that has it, else the account's next nonce. Raises
        LedgerRejected if the call would revert."""
        ...

    def broadcast(self, tx: SignedAnchorTx) -> None: ...

    def tx_outcome(self, tx_hash: str) -> TxOutcome: ...

    def wait_for_tx(self, tx_hash: str, timeout: float) -> TxOutcome: ...

    def find_anchor(self, root: bytes) -> OnChainAnchor | None:
        """The anchor of ``root`` read from contract storage, or None."""
        ...

    def anchor_tx_hash(self, anchor: OnChainAnchor) -> str | None:
        """The transaction that emitted ``Anchored`` for this anchor, from the logs."""
        ...
