"""The chain, behind one interface. Only this package imports web3."""

from service.ledger.interface import (
    ChainIdentity,
    Fees,
    Ledger,
    LedgerError,
    LedgerRejected,
    LedgerUnavailable,
    NonceTooLow,
    OnChainAnchor,
    ReplacementUnderpriced,
    SignedAnchorTx,
    TxOutcome,
)

__all__ = [
    "ChainIdentity",
    "Fees",
    "Ledger",
    "LedgerError",
    "LedgerRejected",
    "LedgerUnavailable",
    "NonceTooLow",
    "OnChainAnchor",
    "ReplacementUnderpriced",
    "SignedAnchorTx",
    "TxOutcome",
]
