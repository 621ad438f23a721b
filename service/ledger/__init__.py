"""The chain, behind one interface. Only this package imports web3."""

from service.ledger.interface import (
    ChainIdentity,
    Ledger,
    LedgerError,
    LedgerRejected,
    LedgerUnavailable,
    OnChainAnchor,
    SignedAnchorTx,
    TxOutcome,
)

__all__ = [
    "ChainIdentity",
    "Ledger",
    "LedgerError",
    "LedgerRejected",
    "LedgerUnavailable",
    "OnChainAnchor",
    "SignedAnchorTx",
    "TxOutcome",
]
