"""``lotproof serve`` and ``lotproof worker`` as real processes, for tests that kill them.

Each process gets its own log file and its own environment (only the ``LOTPROOF_*`` variables
the test sets, none inherited), and is stopped by its own pid: SIGTERM, then SIGKILL after a
grace. `AdvisoryLockWatch` tells which of them holds a PostgreSQL advisory lock over time.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from itertools import pairwise
from pathlib import Path
from types import TracebackType
from typing import Self

import httpx
import psycopg

from tests.support.live_server import free_port

LOTPROOF = str(Path(sys.executable).with_name("lotproof"))


def lotproof_env(
    *, database_url: str, rpc_url: str, workdir: Path, public_url: str, **extra: str
) -> dict[str, str]:
    """The environment of a dev-mode Lotproof process (the Hardhat dev key is accepted)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOTPROOF_")}
    env |= {
        "LOTPROOF_ENV": "dev",
        "LOTPROOF_DATABASE_URL": database_url,
        "LOTPROOF_RPC_URL": rpc_url,
        "LOTPROOF_PUBLIC_URL": public_url,
        "LOTPROOF_FILES_DIR": str(workdir / "files"),
        "LOTPROOF_RPC_TIMEOUT": "5",
        # Test clients post hundreds of requests a second from one address with one key.
        "LOTPROOF_RATE_LIMIT_PER_KEY": "",
        "LOTPROOF_RATE_LIMIT_PER_SOURCE": "",
        "LOTPROOF_RATE_LIMIT_AUTH_FAILURES": "",
    }
    return env | extra


class LotproofProcess:
    """One ``lotproof`` command as a child process, logging to ``log_path``."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log_path: Path) -> None:
        self.name = name
        self.args = args
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None, f"{self.name} is not started"
        return self.process.pid

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> Self:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [LOTPROOF, *self.args],
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return self

    def log_text(self) -> str:
        if not self.log_path.exists():
            return ""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def log_tail(self, chars: int = 3000) -> str:
        return f"--- {self.name} ({self.log_path}) ---\n{self.log_text()[-chars:]}"

    def wait_for_log(self, pattern: str, timeout: float = 60.0) -> re.Match[str]:
        """The first match of ``pattern`` in the log; raises if the process dies or time runs
        out first."""
        deadline = time.monotonic() + timeout
        while True:
            found = re.search(pattern, self.log_text())
            if found is not None:
                return found
            if not self.alive:
                raise RuntimeError(
                    f"{self.name} exited before logging {pattern!r}\n{self.log_tail()}"
                )
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"{self.name} did not log {pattern!r} in {timeout:.0f} s\n{self.log_tail()}"
                )
            time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: no cleanup of any kind, as a crash or the OOM killer would."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def terminate(self) -> None:
        """SIGTERM: the process shuts down as it would under a service manager."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()

    def stop(self, grace: float = 20.0) -> None:
        """SIGTERM, then SIGKILL if it is still there after ``grace`` seconds."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class ServeProcess(LotproofProcess):
    """``lotproof serve`` on a free port of 127.0.0.1; its public URL is its own address."""

    def __init__(self, name: str, env: dict[str, str], log_path: Path) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        args = ["serve", "--port", str(self.port), "--no-access-log"]
        super().__init__(name, args, env | {"LOTPROOF_PUBLIC_URL": self.base_url}, log_path)

    def wait_ready(self, path: str = "/readyz", timeout: float = 60.0) -> None:
        """Until ``path`` answers 200 (``/readyz``: database and chain both usable)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive:
                raise RuntimeError(f"{self.name} exited while starting\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.base_url}{path}", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{self.name} not ready at {path} in {timeout:.0f} s\n{self.log_tail()}")


def stop_all(processes: list[LotproofProcess], grace: float = 20.0) -> None:
    """Stop several processes at once: all get SIGTERM first, then each is waited for."""
    for process in processes:
        process.terminate()
    for process in processes:
        process.stop(grace)


class AdvisoryLockWatch:
    """Samples, every 20 ms, which processes hold a PostgreSQL advisory lock (from pg_locks).

    A holder is named by its connection's application_name: give each process its own with
    libpq's ``PGAPPNAME``. Use as a context manager around the run to watch.
    """

    QUERY = """
        SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.classid::bigint = %s
          AND l.objid::bigint = %s AND l.objsubid = 1
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
    """

    def __init__(self, dsn: str, key: int) -> None:
        self.dsn = dsn
        self.key = (key >> 32, key & 0xFFFFFFFF)  # how pg_locks shows a bigint key
        self.samples: list[tuple[float, tuple[str, ...]]] = []  # (monotonic time, holders)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lock-watch", daemon=True)

    def _run(self) -> None:
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            while not self._stop.wait(0.02):
                rows = conn.execute(self.QUERY, self.key).fetchall()
                self.samples.append((time.monotonic(), tuple(sorted(str(r[0]) for r in rows))))

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def holds(self) -> Counter[str]:
        """In how many samples each process held the lock."""
        return Counter(name for _, names in self.samples for name in names)

    def most_at_once(self) -> int:
        return max((len(names) for _, names in self.samples), default=0)

    def handovers(self) -> int:
        """How often the holder changed from one process to another between two holds."""
        holders = [names[0] for _, names in self.samples if names]
        return sum(1 for a, b in pairwise(holders) if a != b)

    def current_holder(self) -> str | None:
        holders = self.samples[-1][1] if self.samples else ()
        return holders[0] if holders else None

    def first_hold(self, name: str, after: float) -> float | None:
        """When ``name`` was first seen holding the lock at or after ``after``."""
        return next((t for t, names in self.samples if t >= after and name in names), None)

    def wait_for_hold(self, name: str, after: float, timeout: float = 15.0) -> float:
        """Seconds from ``after`` until ``name`` is seen holding the lock."""
        while time.monotonic() < after + timeout:
            if (held_at := self.first_hold(name, after)) is not None:
                return held_at - after
            time.sleep(0.05)
        raise AssertionError(f"{name} did not hold the lock within {timeout:.0f} s")
