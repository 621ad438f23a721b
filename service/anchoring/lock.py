"""One anchoring worker at a time, across processes and service instances."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text

# Arbitrary but fixed: every Lotproof instance on one PostgreSQL database contends for it.
ADVISORY_LOCK_KEY = 0x4C4F5450  # "LOTP"


@contextmanager
def worker_lock(engine: Engine) -> Iterator[bool]:
    """Yields True while this process holds the lock, False if another worker does."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            got = bool(
                conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_LOCK_KEY})
            )
            try:
                yield got
            finally:
                if got:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_LOCK_KEY})
                conn.commit()
        return
    # SQLite: processes sharing a database file share a machine, so a file lock beside it works.
    database = engine.url.database or ":memory:"
    path = Path(database + ".worker-lock") if database != ":memory:" else None
    if path is None:
        yield True
        return
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
