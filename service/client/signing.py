"""`lotproof sign`: sign one of your records' digests with a local keystore (EIP-712)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from eth_account import Account

from service.client.console import connect, emit
from service.config import Settings
from service.signatures.eip712 import sign_digest


def decrypt_keystore(path: Path, password: str) -> bytes:
    try:
        return bytes(Account.decrypt(json.loads(path.read_text()), password))
    except (OSError, ValueError) as e:
        typer.echo(f"error: cannot open keystore {path}: {e}", err=True)
        raise typer.Exit(code=1) from None


def sign(
    record_id: Annotated[int, typer.Argument(help="The record to sign (its id).")],
    keystore: Annotated[Path, typer.Option(help="Encrypted JSON keystore (geth/web3 format).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Sign a record's digest as your organisation; the server checks it against your addresses."""
    configured = Settings().keystore_password  # LOTPROOF_KEYSTORE_PASSWORD
    password = (
        configured.get_secret_value()
        if configured is not None
        else typer.prompt("Keystore password", hide_input=True)
    )
    key = decrypt_keystore(keystore, password)
    with connect() as api:
        payload = api.signing_payload(record_id)
        digest = bytes.fromhex(payload["digest"][2:])
        signed = api.sign_record(record_id, sign_digest(digest, key))
    emit(as_json, signed, f"record {record_id} signed by {signed['signer']}")
