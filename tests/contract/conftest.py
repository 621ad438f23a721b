"""Fixtures for the TraceAnchor contract tests: one Hardhat node per test module.

The names are prefixed (``contract_*``) so that they cannot clash with the session-wide chain
fixtures of the top-level tests/conftest.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.contract import Contract

from tests.support.hardhat import HARDHAT_KEY_0, HARDHAT_KEY_1, HardhatNode, deploy_trace_anchor


@pytest.fixture(scope="module")
def contract_node(hardhat_node: HardhatNode) -> Iterator[HardhatNode]:
    # The session's node; each module deploys its own contract, so tests do not interfere.
    yield hardhat_node


@pytest.fixture(scope="module")
def contract_w3(contract_node: HardhatNode) -> Web3:
    return Web3(Web3.HTTPProvider(contract_node.url))


@pytest.fixture(scope="module")
def admin() -> LocalAccount:
    """Hardhat account #0: deploys, and is admin and anchorer."""
    account: LocalAccount = Account.from_key(HARDHAT_KEY_0)
    return account


@pytest.fixture(scope="module")
def outsider() -> LocalAccount:
    """Hardhat account #1: funded, but holds no role."""
    account: LocalAccount = Account.from_key(HARDHAT_KEY_1)
    return account


@pytest.fixture
def trace_anchor(contract_w3: Web3, admin: LocalAccount) -> Contract:
    """A fresh TraceAnchor per test, so that tests do not depend on each other's anchors."""
    return deploy_trace_anchor(contract_w3, admin, admin.address)
