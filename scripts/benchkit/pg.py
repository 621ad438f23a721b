"""A throw-away PostgreSQL database for one benchmark run (local server, trust auth)."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator

import psycopg

PG_HOST = "127.0.0.1"
PG_PORT = 5432
ADMIN_DSN = f"postgresql://postgres@{PG_HOST}:{PG_PORT}/postgres"


def postgres_reachable() -> bool:
    try:
        with psycopg.connect(ADMIN_DSN, connect_timeout=2):
            return True
    except psycopg.Error:
        return False


@contextlib.contextmanager
def postgres_database() -> Iterator[str | None]:
    """Yield the SQLAlchemy URL of a fresh database, or None if the server does not answer.

    The database is dropped WITH (FORCE) afterwards: the service's processes may still hold
    pooled connections when the benchmark finishes with it.
    """
    if not postgres_reachable():
        yield None
        return
    name = f"lotproof_bench_{secrets.token_hex(4)}"
    with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        with psycopg.connect(ADMIN_DSN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
