"""A lock file beside a SQLite database, so that writers in different processes queue.

Between processes SQLite arbitrates writers with its busy handler, which sleeps up to 100 ms
between tries. A process that writes steadily (the API) takes the lock again microseconds
after releasing it, so a writer in another process (`lotproof worker`, a second
`serve --workers` process) can lose every try for minutes. Writers that first take an exclusive
``flock`` on ``<database>.write-lock`` try every millisecond instead, and so do not reach
SQLite's busy handler. The kernel drops a flock when its holder dies, so a crashed process
cannot leave the database locked.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

# Not backed off: a longer sleep only lowers a waiter's odds against a process that writes back
# to back, whose own threads queue without sleeping. A steady short poll keeps the waiter's
# wait close to theirs.
POLL_S = 0.001


class FileWriteLock:
    """An exclusive flock on one file, taken around each write transaction.

    A flock belongs to an open file, which all threads of a process share: callers must
    serialise acquire/release between their threads (the engine's thread lock does).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        self._pid = 0

    def acquire(self, deadline: float) -> bool:
        """Take the lock, polling until ``deadline`` (``time.monotonic()``); False on timeout.

        Polled rather than blocking so that the wait is bounded: a timed-out writer falls
        back to SQLite's own busy timeout instead of hanging.
        """
        fd = self._fd_of_this_process()
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                time.sleep(min(POLL_S, remaining))

    def release(self) -> None:
        assert self._fd is not None, "release without acquire"
        fcntl.flock(self._fd, fcntl.LOCK_UN)

    def _fd_of_this_process(self) -> int:
        # A forked child shares the parent's open file and with it the parent's flock: it
        # needs a file of its own to be excluded by its parent (and to exclude it).
        pid = os.getpid()
        if self._fd is None or self._pid != pid:
            self._fd = os.open(self.path, os.O_CREAT | os.O_RDWR | os.O_CLOEXEC, 0o600)
            self._pid = pid
        return self._fd

    def __del__(self) -> None:
        if self._fd is not None and self._pid == os.getpid():
            os.close(self._fd)
