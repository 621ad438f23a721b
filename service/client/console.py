"""Output and the configured client, shared by the field commands."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import typer

from service.client.api import ClientError, LotproofClient
from service.config import Settings


def fail(error: ClientError) -> NoReturn:
    described = [
        ("" if e.row is None else f"row {e.row}: ")
        + (f"{e.field}: " if e.field else "")
        + e.message
        for e in error.errors
    ]
    if len(error.errors) == 1 and error.errors[0].message == error.detail:
        headline, described = described[0], []  # one field at fault: name it in the one line
    else:
        headline = error.detail
    typer.echo(f"error: {headline}", err=True)
    for line in described:
        if line not in error.detail:  # validation details already list their fields
            typer.echo(f"  {line}", err=True)
    raise typer.Exit(code=1)


@contextmanager
def connect() -> Iterator[LotproofClient]:
    """A client for LOTPROOF_URL / LOTPROOF_API_KEY; a failed call ends the command (exit 1)."""
    settings = Settings()
    key = settings.api_key.get_secret_value() if settings.api_key else None
    try:
        with LotproofClient(settings.url, key) as client:
            yield client
    except ClientError as e:
        fail(e)


def emit(as_json: bool, data: Any, human: str) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False) if as_json else human)


def save(out: Path, content: bytes, what: str, as_json: bool) -> None:
    try:
        out.write_bytes(content)
    except OSError as e:
        typer.echo(f"error: cannot write {out}: {e.strerror}", err=True)
        raise typer.Exit(code=1) from None
    emit(as_json, {"file": str(out), "bytes": len(content)}, f"{what} saved to {out}")
