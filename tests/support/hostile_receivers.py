"""Webhook receivers on 127.0.0.1 that misbehave on purpose, and a well-behaved one.

Real sockets, a thread per connection. Each receiver logs every connection it accepts: when
(monotonic and wall clock), when the dispatcher hung up, and how many bytes it managed to send.
"""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from service.db.base import utcnow

Serve = Callable[[socket.socket, "Connection", threading.Event], None]
_HANGUP = select.POLLRDHUP | select.POLLHUP | select.POLLERR


@dataclass
class Connection:
    accepted: float  # time.monotonic()
    accepted_at: datetime  # wall clock, to compare with the delivery log
    closed: float | None = None  # when the peer's hang-up was seen
    bytes_sent: int = 0
    request: bytes = b""


@dataclass
class Listener:
    """Accepts connections and hands each to ``serve`` in a thread of its own."""

    serve: Serve
    connections: list[Connection] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def port(self) -> int:
        port: int = self._sock.getsockname()[1]
        return port

    def url(self, scheme: str = "http", host: str = "127.0.0.1") -> str:
        return f"{scheme}://{host}:{self.port}/hooks"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            log = Connection(time.monotonic(), utcnow())
            self.connections.append(log)
            thread = threading.Thread(target=self._run, args=(conn, log), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _run(self, conn: socket.socket, log: Connection) -> None:
        with conn:
            with contextlib.suppress(OSError):  # the dispatcher hung up: what we test for
                self.serve(conn, log, self._stop)
            if log.closed is None:
                log.closed = time.monotonic()

    def close(self) -> None:
        self._stop.set()
        self._sock.close()
        for thread in self._threads:
            thread.join(timeout=5)


def _read_request(conn: socket.socket, log: Connection) -> None:
    """Read up to the end of the request's headers (the body is small and ignored)."""
    conn.settimeout(5)
    while b"\r\n\r\n" not in log.request:
        chunk = conn.recv(4096)
        if not chunk:
            return
        log.request += chunk


def _hung_up(conn: socket.socket, wait_s: float) -> bool:
    """True once the peer has closed, seen without reading anything."""
    poller = select.poll()
    poller.register(conn, _HANGUP)
    return any(events & _HANGUP for _, events in poller.poll(wait_s * 1000))


def huge_body(conn: socket.socket, log: Connection, stop: threading.Event) -> None:
    """Answers 500 with a 100 MB body, sent as fast as the dispatcher takes it."""
    _read_request(conn, log)
    conn.sendall(b"HTTP/1.1 500 Oops\r\nContent-Length: 100000000\r\n\r\n")
    chunk = bytes(64 * 1024)
    while log.bytes_sent < 100_000_000 and not stop.is_set():
        conn.sendall(chunk)  # OSError once the dispatcher hangs up
        log.bytes_sent += len(chunk)


def trickle(conn: socket.socket, log: Connection, stop: threading.Event) -> None:
    """Starts an answer, then sends one more header byte every second, forever."""
    _read_request(conn, log)
    conn.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
    while not stop.is_set():
        if _hung_up(conn, 1.0):
            return
        conn.sendall(b"a")
        log.bytes_sent += 1


def silent(conn: socket.socket, log: Connection, stop: threading.Event) -> None:
    """Accepts the connection, then neither reads nor answers."""
    while not stop.is_set():
        if _hung_up(conn, 0.05):
            return


def reset(conn: socket.socket, log: Connection, stop: threading.Event) -> None:
    """Reads the request, then resets the connection (RST, not an orderly close)."""
    _read_request(conn, log)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def well_behaved(conn: socket.socket, log: Connection, stop: threading.Event) -> None:
    """Reads the whole request and answers 204 at once."""
    _read_request(conn, log)
    head, _, body = log.request.partition(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        ),
        0,
    )
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    log.request = head + b"\r\n\r\n" + body
    conn.sendall(b"HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n")
    log.closed = time.monotonic()


def plain_http(conn: socket.socket, log: Connection, stop: threading.Event) -> None:
    """Answers whatever arrives first (a TLS hello too) with a plain HTTP 400."""
    log.request = conn.recv(4096)
    conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
