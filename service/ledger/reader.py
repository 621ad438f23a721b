"""Read-only access to a TraceAnchor contract: no key, no transactions.

This is what an inspector's verifier uses: everything it needs (roots, leaf counts, the
on-chain proof check) is in contract storage, so a plain RPC URL is enough.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from eth_hash.auto import keccak
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import ContractLogicError

from service.config import REPO_ROOT
from service.ledger.artifact import load_artifact
from service.ledger.interface import LedgerUnavailable, OnChainAnchor
from service.ledger.web3_ledger import _translated_errors

DEFAULT_ARTIFACT = REPO_ROOT / "contracts" / "build" / "TraceAnchor.json"

# Selector of `error IndexOutOfRange(uint256)`: the one revert that means "no such anchor"
# rather than "something is wrong".
_INDEX_OUT_OF_RANGE = "0x" + keccak(b"IndexOutOfRange(uint256)")[:4].hex()


def _revert_data(error: ContractLogicError) -> str:
    data = error.data
    if isinstance(data, dict):  # some nodes wrap it: {"data": "0x..."} or {"message": ...}
        data = data.get("data", "")
    return (data or "").lower()


@contextmanager
def _reading() -> Iterator[None]:
    """The ledger's error translation, plus: an answer that is not JSON is not a chain."""
    try:
        with _translated_errors():
            yield
    except json.JSONDecodeError as e:  # e.g. a web page or proxy error instead of JSON-RPC
        raise LedgerUnavailable("the RPC URL did not answer with JSON-RPC") from e


class ContractReader:
    """View calls on one TraceAnchor deployment; raises LedgerUnavailable / LedgerRejected."""

    def __init__(
        self,
        *,
        rpc_url: str,
        address: str,
        timeout: float = 10.0,
        artifact_path: Path = DEFAULT_ARTIFACT,
    ) -> None:
        # No retries: an inspector would rather hear "unreachable" now than wait on backoff.
        provider = Web3.HTTPProvider(
            rpc_url, request_kwargs={"timeout": timeout}, exception_retry_configuration=None
        )
        self._w3 = Web3(provider)
        with _reading():
            self._contract: Contract = self._w3.eth.contract(
                address=Web3.to_checksum_address(address),
                abi=load_artifact(artifact_path).abi,
            )

    def chain_id(self) -> int:
        with _reading():
            return int(self._w3.eth.chain_id)

    def anchor_count(self) -> int:
        with _reading():
            return int(self._contract.functions.anchorCount().call())

    def anchor_at(self, index: int) -> OnChainAnchor | None:
        """The anchor stored at ``index``, or None when the contract has no such index."""
        if index < 0:  # not encodable as uint256, and certainly not an anchor
            return None
        with _reading():
            try:
                root, leaf_count, block_number, timestamp = self._contract.functions.anchorAt(
                    index
                ).call()
            except ContractLogicError as e:
                if _revert_data(e).startswith(_INDEX_OUT_OF_RANGE):
                    return None
                raise
        return OnChainAnchor(
            index=index,
            root=bytes(root),
            leaf_count=int(leaf_count),
            block_number=int(block_number),
            timestamp=int(timestamp),
        )

    def verify(self, root: bytes, digest: bytes, proof: list[bytes]) -> bool:
        """The contract's own answer: root anchored and the proof valid."""
        with _reading():
            return bool(self._contract.functions.verify(root, digest, proof).call())
