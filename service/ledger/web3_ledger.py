"""The Ledger on any EVM JSON-RPC endpoint, via web3.py. Web3 errors become ours here."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import requests
from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.contract import Contract
from web3.exceptions import (
    ContractLogicError,
    InvalidTransaction,
    TimeExhausted,
    TransactionNotFound,
    Web3Exception,
    Web3RPCError,
)

from service.ledger.artifact import ContractArtifact
from service.ledger.interface import (
    ChainIdentity,
    Deployed,
    Fees,
    LedgerRejected,
    LedgerUnavailable,
    NonceTooLow,
    OnChainAnchor,
    ReplacementUnderpriced,
    SignedAnchorTx,
    TxOutcome,
)

T = TypeVar("T")
_POLL_SECONDS = 0.2


@contextmanager
def _translated_errors() -> Iterator[None]:
    """Re-raise web3/requests errors as LedgerUnavailable or LedgerRejected."""
    try:
        yield
    except (requests.exceptions.RequestException, ConnectionError, TimeExhausted) as e:
        raise LedgerUnavailable(f"chain RPC unreachable: {type(e).__name__}") from e
    except (ContractLogicError, InvalidTransaction, Web3RPCError) as e:
        raise _rejection(str(e)) from e
    except Web3Exception as e:
        raise LedgerRejected(f"chain error: {e}") from e


def _rejection(message: str) -> LedgerRejected:
    """The rejection the worker must tell apart, recognised by the messages of geth, Hardhat,
    Anvil, Nethermind and Erigon (JSON-RPC gives them no distinct codes)."""
    text = message.lower()
    if "nonce too low" in text or "nonce has already been used" in text:
        return NonceTooLow(f"chain rejected the call: {message}")
    if "underpriced" in text or "replacement fee too low" in text:
        return ReplacementUnderpriced(f"chain rejected the call: {message}")
    return LedgerRejected(f"chain rejected the call: {message}")


class Web3Ledger:
    def __init__(
        self,
        *,
        rpc_url: str,
        signer: LocalAccount,
        artifact: ContractArtifact,
        timeout: float = 10.0,
        address: str | None = None,
    ) -> None:
        # No automatic retries: the anchoring worker retries on its own schedule, and a dead
        # chain should fail fast rather than stall a worker tick for half a minute.
        provider = Web3.HTTPProvider(
            rpc_url, request_kwargs={"timeout": timeout}, exception_retry_configuration=None
        )
        self._w3 = Web3(provider)
        self._signer = signer
        self._artifact = artifact
        self._contract: Contract | None = None
        self._legacy: bool | None = None
        if address is not None:
            self.use_contract(address)

    @property
    def signer_address(self) -> str:
        return str(self._signer.address)

    def _call(self, fn: Callable[[], T]) -> T:
        with _translated_errors():
            return fn()

    @property
    def contract(self) -> Contract:
        if self._contract is None:
            raise LedgerRejected("no TraceAnchor contract configured")
        return self._contract

    def identity(self) -> ChainIdentity:
        def read() -> ChainIdentity:
            genesis = self._w3.eth.get_block(0)
            return ChainIdentity(
                chain_id=self._w3.eth.chain_id, genesis_hash=genesis["hash"].to_0x_hex()
            )

        return self._call(read)

    def block_number(self) -> int:
        return self._call(lambda: int(self._w3.eth.block_number))

    def has_contract(self, address: str) -> bool:
        code = self._call(lambda: self._w3.eth.get_code(Web3.to_checksum_address(address)))
        return len(code) > 0

    def use_contract(self, address: str) -> None:
        self._contract = self._w3.eth.contract(
            address=Web3.to_checksum_address(address), abi=self._artifact.abi
        )

    def deploy(self) -> Deployed:
        factory = self._w3.eth.contract(abi=self._artifact.abi, bytecode=self._artifact.bytecode)

        def send() -> Deployed:
            tx = factory.constructor(self._signer.address).build_transaction(self._tx_base())
            signed = self._signer.sign_transaction(tx)
            tx_hash = self._w3.eth.send_raw_transaction(signed.raw_transaction)
            receipt = self._w3.eth.wait_for_transaction_receipt(tx_hash, timeout=120)
            if receipt["status"] != 1:
                raise LedgerRejected("TraceAnchor deployment reverted")
            return Deployed(
                address=str(receipt["contractAddress"]),
                tx_hash=tx_hash.to_0x_hex(),
                block_number=int(receipt["blockNumber"]),
            )

        deployed = self._call(send)
        self.use_contract(deployed.address)
        return deployed

    def _tx_base(self) -> dict[str, Any]:
        return {
            "from": self._signer.address,
            "nonce": self._w3.eth.get_transaction_count(self._signer.address, "pending"),
            "chainId": self._w3.eth.chain_id,
        }

    def suggested_fees(self) -> Fees:
        def read() -> Fees:
            base_fee = self._w3.eth.get_block("latest").get("baseFeePerGas")
            if base_fee is None:  # a legacy (pre-EIP-1559) chain: one gas price
                price = int(self._w3.eth.gas_price)
                return Fees(max_fee_per_gas=price, max_priority_fee_per_gas=price)
            tip = int(self._w3.eth.max_priority_fee)
            # web3's own default: room for the base fee to double before the tx is priced out.
            return Fees(max_fee_per_gas=2 * int(base_fee) + tip, max_priority_fee_per_gas=tip)

        return self._call(read)

    def sign_anchor(
        self, root: bytes, leaf_count: int, *, fees: Fees, nonce: int | None = None
    ) -> SignedAnchorTx:
        def sign() -> SignedAnchorTx:
            call = self.contract.functions.anchor(root, leaf_count)
            tx: dict[str, Any] = {
                "from": self._signer.address,
                "chainId": self._w3.eth.chain_id,
                "nonce": nonce
                if nonce is not None
                else self._w3.eth.get_transaction_count(self._signer.address, "pending"),
            }
            # Estimated against the latest block, so that a call that would revert (duplicate
            # root, missing role) fails here, before anything is sent, while a replacement is
            # not judged against the very transaction it replaces, pending in the node.
            tx["gas"] = call.estimate_gas(tx, block_identifier="latest")  # type: ignore[arg-type]
            if fees.max_fee_per_gas == fees.max_priority_fee_per_gas and self._is_legacy():
                tx["gasPrice"] = fees.max_fee_per_gas
            else:
                tx["maxFeePerGas"] = fees.max_fee_per_gas
                tx["maxPriorityFeePerGas"] = fees.max_priority_fee_per_gas
            signed = self._signer.sign_transaction(call.build_transaction(tx))  # type: ignore[arg-type]
            return SignedAnchorTx(
                tx_hash=signed.hash.to_0x_hex(),
                raw=bytes(signed.raw_transaction),
                nonce=int(tx["nonce"]),
                fees=fees,
            )

        return self._call(sign)

    def _is_legacy(self) -> bool:
        if self._legacy is None:
            self._legacy = self._w3.eth.get_block("latest").get("baseFeePerGas") is None
        return self._legacy

    def broadcast(self, tx: SignedAnchorTx) -> None:
        try:
            self._call(lambda: self._w3.eth.send_raw_transaction(tx.raw))
        except LedgerRejected as e:
            # A resend of a transaction the node already has is not an error.
            text = str(e).lower()
            if "already known" not in text and "known transaction" not in text:
                raise

    def tx_outcome(self, tx_hash: str) -> TxOutcome:
        def read() -> TxOutcome:
            try:
                receipt = self._w3.eth.get_transaction_receipt(tx_hash)  # type: ignore[arg-type]
            except TransactionNotFound:
                receipt = None
            if receipt is not None:
                return TxOutcome.succeeded if receipt["status"] == 1 else TxOutcome.reverted
            try:
                self._w3.eth.get_transaction(tx_hash)  # type: ignore[arg-type]
            except TransactionNotFound:
                return TxOutcome.unknown
            return TxOutcome.pending

        return self._call(read)

    def wait_for_tx(self, tx_hash: str, timeout: float) -> TxOutcome:
        deadline = time.monotonic() + timeout
        while True:
            outcome = self.tx_outcome(tx_hash)
            if outcome in (TxOutcome.succeeded, TxOutcome.reverted, TxOutcome.unknown):
                return outcome
            if time.monotonic() >= deadline:
                return outcome
            time.sleep(_POLL_SECONDS)

    def find_anchor(self, root: bytes) -> OnChainAnchor | None:
        def read() -> OnChainAnchor | None:
            found, index = self.contract.functions.indexOf(root).call()
            if not found:
                return None
            stored_root, leaf_count, block_number, timestamp = self.contract.functions.anchorAt(
                index
            ).call()
            return OnChainAnchor(
                index=int(index),
                root=bytes(stored_root),
                leaf_count=int(leaf_count),
                block_number=int(block_number),
                timestamp=int(timestamp),
            )

        return self._call(read)

    def anchor_tx_hash(self, anchor: OnChainAnchor) -> str | None:
        def read() -> str | None:
            logs = self.contract.events.Anchored().get_logs(
                from_block=anchor.block_number,
                to_block=anchor.block_number,
                argument_filters={"root": anchor.root},
            )
            return logs[0]["transactionHash"].to_0x_hex() if logs else None

        return self._call(read)
