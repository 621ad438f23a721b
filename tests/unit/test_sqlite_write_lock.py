"""Writers in different processes queue on the lock file beside a SQLite database."""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError

from service.db.engine import SessionFactory, make_engine

PROCESSES = 2
THREADS = 2  # per process: the thread lock and the file lock must work together
TRANSACTIONS = 150  # per thread
SPAWN = multiprocessing.get_context("spawn")


def _make_table(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE writes (process INTEGER, thread INTEGER, n INTEGER)")


def _write_rows(path: str, process: int, start: Any, results: Any) -> None:
    """One process: THREADS threads, each committing TRANSACTIONS one-row write transactions."""
    engine = make_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _no_busy_wait(dbapi_connection: Any, _record: Any) -> None:
        # SQLite's own waiting off: two processes' transactions that overlap at all now fail
        # with "database is locked" at once, so only the lock file can keep them apart.
        dbapi_connection.execute("PRAGMA busy_timeout = 0")

    sessions = SessionFactory(engine)
    errors: list[str] = []

    def write(thread: int) -> None:
        for n in range(TRANSACTIONS):
            try:
                with sessions.write() as session, session.begin():
                    session.execute(
                        text("INSERT INTO writes VALUES (:p, :t, :n)"),
                        {"p": process, "t": thread, "n": n},
                    )
            except OperationalError as e:
                errors.append(str(e.orig))

    threads = [threading.Thread(target=write, args=(t,)) for t in range(THREADS)]
    start.wait()
    began = time.time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put((process, began, time.time(), errors))
    engine.dispose()


def _can_take_lock(path: str) -> bool:
    """In a process of its own: is the lock file free right now?"""
    fd = os.open(path, os.O_CREAT | os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # closing drops the lock, if taken
    return True


class TestProcessesWritingAtOnce:
    def test_both_finish_with_every_row_and_no_lock_errors(self, tmp_path: Path) -> None:
        path = tmp_path / "shared.db"
        _make_table(path)
        start, results = SPAWN.Barrier(PROCESSES), SPAWN.Queue()
        processes = [
            SPAWN.Process(target=_write_rows, args=(str(path), p, start, results))
            for p in range(PROCESSES)
        ]
        for process in processes:
            process.start()
        reports = [results.get(timeout=120) for _ in processes]
        for process in processes:
            process.join(timeout=30)
            assert process.exitcode == 0

        assert {p: errors for p, _, _, errors in reports} == {p: [] for p in range(PROCESSES)}
        (_, began_a, ended_a, _), (_, began_b, ended_b, _) = reports
        assert began_a < ended_b and began_b < ended_a, "the processes never wrote at once"
        with sqlite3.connect(path) as conn:
            rows = set(conn.execute("SELECT process, thread, n FROM writes"))
        expected = {
            (p, t, n) for p in range(PROCESSES) for t in range(THREADS) for n in range(TRANSACTIONS)
        }
        assert rows == expected


class TestLockFile:
    @pytest.fixture
    def sessions(self, tmp_path: Path) -> Iterator[SessionFactory]:
        _make_table(tmp_path / "held.db")
        engine = make_engine(f"sqlite:///{tmp_path / 'held.db'}")
        yield SessionFactory(engine)
        engine.dispose()

    def test_held_by_a_write_transaction_only_while_it_runs(
        self, sessions: SessionFactory, tmp_path: Path
    ) -> None:
        lock_path = str(tmp_path / "held.db.write-lock")
        with SPAWN.Pool(1) as other_process:
            with sessions.write() as session, session.begin():
                session.execute(text("INSERT INTO writes VALUES (0, 0, 0)"))
                assert other_process.apply(_can_take_lock, (lock_path,)) is False
            assert other_process.apply(_can_take_lock, (lock_path,)) is True
            with sessions.read() as session:
                session.execute(text("SELECT count(*) FROM writes")).scalar_one()
                assert other_process.apply(_can_take_lock, (lock_path,)) is True

    def test_free_after_a_failed_write_transaction(
        self, sessions: SessionFactory, tmp_path: Path
    ) -> None:
        with pytest.raises(OperationalError), sessions.write() as session, session.begin():
            session.execute(text("INSERT INTO writes VALUES (0, 0, 0)"))
            session.execute(text("INSERT INTO no_such_table VALUES (1)"))
        with SPAWN.Pool(1) as other_process:
            lock_path = str(tmp_path / "held.db.write-lock")
            assert other_process.apply(_can_take_lock, (lock_path,)) is True
