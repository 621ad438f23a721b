"""`lotproof sign`: sign one of your records' digests with a local keystore (EIP-712);
`lotproof register-address`: register the keystore's address, proving the key holds it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from eth_account import Account
from eth_account.messages import encode_defunct

from service.client.console import connect, emit
from service.config import Settings
from service.signatures.eip712 import sign_digest


def decrypt_keystore(path: Path, password: str) -> bytes:
    try:
        return bytes(Account.decrypt(json.loads(path.read_text()), password))
    except (OSError, ValueError) as e:
        typer.echo(f"error: cannot open keystore {path}: {e}", err=True)
        raise typer.Exit(code=1) from None


def _keystore_key(keystore: Path) -> bytes:
    configured = Settings().keystore_password  # LOTPROOF_KEYSTORE_PASSWORD
    password = (
        configured.get_secret_value()
        if configured is not None
        else typer.prompt("Keystore password", hide_input=True)
    )
    return decrypt_keystore(keystore, password)


def register_address(
    keystore: Annotated[Path, typer.Option(help="Encrypted JSON keystore (geth/web3 format).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Register the keystore's address as your organisation's: the key signs the server's
    challenge (EIP-191 personal_sign), which proves you hold it."""
    key = _keystore_key(keystore)
    address = Account.from_key(key).address
    with connect() as api:
        issued = api.address_challenge(address)
        signed = Account.sign_message(encode_defunct(text=issued["message"]), key)
        signature = "0x" + bytes(signed.signature).hex()
        result = api.register_address(address, issued["challenge"], signature)
    emit(as_json, result, f"registered {address} for {result['slug']}")


def sign(
    record_id: Annotated[int, typer.Argument(help="The record to sign (its id).")],
    keystore: Annotated[Path, typer.Option(help="Encrypted JSON keystore (geth/web3 format).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Sign a record's digest as your organisation; the server checks it against your addresses."""
    key = _keystore_key(keystore)
    with connect() as api:
        payload = api.signing_payload(record_id)
        digest = bytes.fromhex(payload["digest"][2:])
        signed = api.sign_record(record_id, sign_digest(digest, key))
    emit(as_json, signed, f"record {record_id} signed by {signed['signer']}")
