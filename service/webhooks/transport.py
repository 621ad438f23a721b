"""One webhook POST: a deadline on the whole attempt, a cap on the answer, a pinned address.

httpx's timeouts apply to each socket operation, so a receiver sending a byte every few
seconds kept an attempt alive forever. Here an httpcore network backend resolves the host
once, checks every address against the DestinationPolicy, connects to a checked address
(no second lookup a rebinding DNS server could answer differently), and clips every connect,
TLS handshake, read and write to the time left. TLS still verifies the certificate for the
URL's own name: httpcore hands the original host to the handshake as server_hostname (SNI),
and the Host header comes from the URL too.
"""

from __future__ import annotations

import logging
import socket
import ssl
import threading
import time
from collections.abc import Iterable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from ipaddress import ip_address
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

from service.webhooks.destinations import DestinationPolicy, DestinationRefused, IPAddress

log = logging.getLogger(__name__)

# What a subscriber reads in its delivery log: never a detail that would tell it what is
# listening where (the exact texts made the dispatcher a port scanner).
NOT_ALLOWED = "destination not allowed"
TIMED_OUT = "timed out"
CONNECTION_FAILED = "connection failed"


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def left(self, error: type[httpcore.TimeoutException]) -> float:
        """Seconds left for the next socket operation; raises ``error`` once none are."""
        left = self.end - time.monotonic()
        if left <= 0:
            raise error("webhook attempt deadline passed")
        return left


class _DeadlineStream(httpcore.NetworkStream):
    """Every operation on the socket gets at most the attempt's remaining time."""

    def __init__(self, inner: httpcore.NetworkStream, deadline: _Deadline) -> None:
        self._inner, self._deadline = inner, deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._deadline.left(httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._deadline.left(httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        left = self._deadline.left(httpcore.ConnectTimeout)
        return _DeadlineStream(
            self._inner.start_tls(ssl_context, server_hostname, left), self._deadline
        )

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _PinnedBackend(httpcore.NetworkBackend):
    """Resolves once, checks every address, connects only to a checked one."""

    def __init__(self, policy: DestinationPolicy, deadline: _Deadline) -> None:
        self._policy, self._deadline = policy, deadline
        self._tcp = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = self._resolve(host, port)
        self._policy.check_addresses(host, port, addresses)
        error: httpcore.ConnectError | None = None
        for address in addresses:  # all checked: trying the next one opens no window
            left = self._deadline.left(httpcore.ConnectTimeout)
            try:
                stream = self._tcp.connect_tcp(str(address), port, left, None, socket_options)
            except httpcore.ConnectError as e:
                error = e
                continue
            return _DeadlineStream(stream, self._deadline)
        raise error or httpcore.ConnectError(f"{host} has no address")

    def _resolve(self, host: str, port: int) -> list[IPAddress]:
        """The host's addresses, within the deadline. getaddrinfo cannot be interrupted, so it
        runs in a thread of its own that a slow resolver may keep busy past the attempt."""
        found: Future[list[IPAddress]] = Future()

        def lookup() -> None:
            try:
                infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
                found.set_result(list(dict.fromkeys(ip_address(i[4][0]) for i in infos)))
            except (OSError, ValueError) as e:
                found.set_exception(e)

        threading.Thread(target=lookup, name="webhook-resolve", daemon=True).start()
        try:
            return found.result(self._deadline.left(httpcore.ConnectTimeout))
        except FutureTimeout:
            raise httpcore.ConnectTimeout(f"resolving {host} took too long") from None
        except (OSError, ValueError) as e:
            raise httpcore.ConnectError(f"cannot resolve {host}: {e}") from None

    def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        raise DestinationRefused("webhooks never use unix sockets")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str | None  # None: delivered (2xx)


# Built once: loading the CA bundle costs more than a whole local delivery.
_SSL_CONTEXT = httpx.create_ssl_context()


def post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    policy: DestinationPolicy,
    timeout_s: float,
    max_response_bytes: int,
    ssl_context: ssl.SSLContext | None = None,
) -> Outcome:
    """POST ``body`` to ``url``; the outcome's error is one of the generic texts above.

    TLS is verified for the URL's own name (certificate and SNI), although the connection goes
    to the address checked; ``ssl_context`` replaces the public CA bundle (a private CA).
    """
    deadline = _Deadline(timeout_s)
    pool = httpcore.ConnectionPool(
        ssl_context=ssl_context or _SSL_CONTEXT,
        network_backend=_PinnedBackend(policy, deadline),
        max_connections=1,
        retries=0,
    )
    target = _origin(url)
    try:
        with pool, pool.stream("POST", url, headers=list(headers.items()), content=body) as resp:
            _drain(resp, max_response_bytes, deadline)
    except DestinationRefused as e:
        log.warning("webhook to %s refused: %s", target, e)
        return Outcome(None, NOT_ALLOWED)
    except httpcore.TimeoutException as e:
        log.info("webhook to %s timed out: %s", target, e)
        return Outcome(None, TIMED_OUT)
    except (httpcore.NetworkError, httpcore.ProtocolError, httpcore.UnsupportedProtocol) as e:
        log.info("webhook to %s failed: %s: %s", target, type(e).__name__, e)
        return Outcome(None, CONNECTION_FAILED)
    if 200 <= resp.status < 300:
        return Outcome(resp.status, None)
    return Outcome(resp.status, f"HTTP {resp.status}")


def _drain(response: httpcore.Response, max_bytes: int, deadline: _Deadline) -> None:
    """Read at most ``max_bytes`` of the answer (we only need its status), then hang up."""
    read = 0
    for chunk in response.iter_stream():
        read += len(chunk)
        if read >= max_bytes:
            break
        deadline.left(httpcore.ReadTimeout)


def _origin(url: str) -> str:
    """scheme://host:port only, for our log: paths and queries may hold receivers' tokens."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}:{parts.port or ''}"
