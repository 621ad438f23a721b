"""Registering a signing address as a client does: ask for a challenge, sign it, send both."""

from __future__ import annotations

from typing import Any

import httpx
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient


def personal_sign(account: LocalAccount, message: str) -> str:
    signed = Account.sign_message(encode_defunct(text=message), account.key)
    return "0x" + bytes(signed.signature).hex()


def proven_address(
    client: TestClient, headers: dict[str, str], account: LocalAccount
) -> dict[str, Any]:
    """The body of ``POST /api/v1/orgs/me/addresses`` for ``account``, for the caller of
    ``headers``: a challenge issued to it, signed by the account's key."""
    url = "/api/v1/orgs/me/addresses/challenge"
    response = client.post(url, json={"address": account.address}, headers=headers)
    assert response.status_code == 200, response.text
    issued = response.json()
    signature = personal_sign(account, issued["message"])
    return {"address": account.address, "challenge": issued["challenge"], "signature": signature}


def register_address(
    client: TestClient, headers: dict[str, str], account: LocalAccount
) -> httpx.Response:
    body = proven_address(client, headers, account)
    response: httpx.Response = client.post("/api/v1/orgs/me/addresses", json=body, headers=headers)
    return response
