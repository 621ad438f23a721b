"""Engines and sessions; built by the app's lifespan or a CLI command, never at import."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from service.db.writelock import FileWriteLock

SQLITE_BUSY_TIMEOUT_S = 30
_WRITE_LOCK_HELD = "lotproof_write_lock_held"
_FILE_LOCK_HELD = "lotproof_file_lock_held"


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, foreign keys and IMMEDIATE write transactions."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)
    file_lock: FileWriteLock | None = None
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # Queues writers of different processes (see writelock.py); a private in-memory
        # database has no other process to queue with.
        file_lock = FileWriteLock(Path(parsed.database + ".write-lock"))
    engine = create_engine(
        url,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False},
        # One connection per request thread (FastAPI runs sync routes in a pool of 40).
        pool_size=20,
        max_overflow=30,
        # The most recently used connection first: a lull's requests reuse a few warm ones
        # rather than cycling through all 20 (each keeps its own page and statement caches).
        pool_use_lifo=True,
    )
    # SQLite allows one writer at a time. Left to SQLite, concurrent writers of this process
    # poll for the lock with sleeps of up to 100 ms (its busy handler), which turns a queue of
    # short transactions into latencies far longer than the transactions themselves. A
    # process-wide lock queues them instead, and a lock file queues the processes sharing the
    # database (API and `lotproof worker`).
    write_lock = threading.Lock()

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself (pysqlite's own BEGIN handling is too lazy).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A write transaction takes the write lock up front: a deferred one that reads first
        # and writes later can fail with SQLITE_BUSY under WAL instead of waiting its turn.
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        if immediate and not conn.info.get(_WRITE_LOCK_HELD):
            # Bounded, so a lock somehow never released degrades to SQLite's own waiting.
            deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_S
            held = write_lock.acquire(timeout=SQLITE_BUSY_TIMEOUT_S)
            conn.info[_WRITE_LOCK_HELD] = held
            # Only under the thread lock: all threads share the lock file, and with it a flock.
            if held and file_lock is not None:
                conn.info[_FILE_LOCK_HELD] = file_lock.acquire(deadline)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_connection: Any, record: Any) -> None:
        # Sessions hand their connection back after COMMIT or ROLLBACK has run (the "commit"
        # event would fire before it, while SQLite still holds its own lock).
        if record.info.pop(_FILE_LOCK_HELD, False) and file_lock is not None:
            file_lock.release()
        if record.info.pop(_WRITE_LOCK_HELD, False):
            write_lock.release()
        if dbapi_connection is not None:
            release_page_cache(dbapi_connection)

    return engine


def release_page_cache(dbapi_connection: sqlite3.Connection) -> None:
    """Free the page cache of a connection going back to the pool.

    Under steady writes, a reading connection's cache is thrown away at its next transaction
    anyway (another connection's commit changed the WAL), so an idle one keeps up to 2 MB for
    nothing. Freeing it costs no write latency: the next transaction would have reread those
    pages anyway.
    """
    with contextlib.suppress(sqlite3.Error):  # a broken connection: the pool closes it
        dbapi_connection.execute("PRAGMA shrink_memory")


class SessionFactory:
    """Opens read sessions and write sessions (the latter lock SQLite up front)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._read = sessionmaker(engine, expire_on_commit=False)
        self._write = sessionmaker(
            engine.execution_options(sqlite_immediate=True), expire_on_commit=False
        )

    def read(self) -> Session:
        return self._read()

    def write(self) -> Session:
        return self._write()
