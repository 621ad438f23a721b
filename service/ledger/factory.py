"""Builds the configured Ledger (called from the app's lifespan or a CLI command)."""

from __future__ import annotations

from service.config import Settings
from service.ledger.artifact import load_artifact
from service.ledger.signer import load_signer
from service.ledger.web3_ledger import Web3Ledger


def build_ledger(settings: Settings) -> Web3Ledger:
    return Web3Ledger(
        rpc_url=settings.rpc_url,
        signer=load_signer(settings),
        artifact=load_artifact(settings.contract_artifact),
        timeout=settings.rpc_timeout,
    )
