"""A JSON-RPC proxy that injects faults between the service and a Hardhat node.

`tests/support/proxy.py` can only cut the line. The anchoring worker's hard cases are
*answers*: a node that is slow, one that never answers, one that says "nonce too low" or
"already known" about a transaction it did, or did not, take. This proxy reads every call and
follows a plan the test sets, so that each case happens exactly when the test wants it, and it
counts what it did, so that a test can tell a fault that was survived from one never hit.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal, Self

Action = Literal["fail", "forward_then_fail", "hang", "forward_then_hang"]
# How long a hung call is held at most: longer than any rpc_timeout the tests use, short
# enough that a forgotten hang cannot keep a test alive.
MAX_HANG_S = 120.0
FORWARD_TIMEOUT_S = 30.0


@dataclass
class Fault:
    action: Action
    method: str | None  # None: any method
    message: str = ""
    code: int = -32000
    times: int | None = None  # None: until clear()

    def matches(self, method: str) -> bool:
        return self.method in (None, method) and self.times != 0


@dataclass(frozen=True)
class Call:
    at: float  # time.monotonic()
    method: str
    fault: Action | None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # Closing must not wait for calls the plan is holding (a hang lasts up to MAX_HANG_S).
    block_on_close = False


class RpcFaultProxy:
    """``http://127.0.0.1:PORT`` forwarding JSON-RPC to ``target_url`` unless told otherwise."""

    def __init__(self, target_url: str) -> None:
        self.target_url = target_url
        self.port = 0
        self._calls: list[Call] = []
        self._faults: list[Fault] = []
        self._delays: dict[str | None, float] = {}
        self._down = False
        self._release = threading.Event()  # set by clear(): lets held calls go
        self._lock = threading.Lock()
        self._server: _Server | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def delay(self, seconds: float, method: str | None = None) -> None:
        """Answer every call (or every call of ``method``) ``seconds`` late."""
        with self._lock:
            self._delays[method] = seconds

    def hang(
        self, method: str | None = None, *, forward: bool = False, times: int | None = None
    ) -> None:
        """Never answer (the client times out). With ``forward`` the node still gets the call:
        a transaction sent whose answer was lost."""
        self._add(Fault("forward_then_hang" if forward else "hang", method, times=times))

    def fail_next(self, method: str, message: str, code: int = -32000, times: int = 1) -> None:
        """Answer a JSON-RPC error instead of forwarding: the node never sees the call."""
        self._add(Fault("fail", method, message, code, times))

    def forward_then_fail(
        self, method: str, message: str, code: int = -32000, times: int = 1
    ) -> None:
        """Forward, then answer an error anyway: the node took the transaction, the client
        hears "already known" or "nonce too low" (a retried send, a second node behind a
        load balancer)."""
        self._add(Fault("forward_then_fail", method, message, code, times))

    def down(self) -> None:
        """An outage: refuse new connections and drop every call in progress."""
        with self._lock:
            self._down = True
            server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()

    def up(self) -> None:
        with self._lock:
            self._down = False
            if self._server is not None:
                return
        self._serve()

    def clear(self) -> None:
        """Back to a plain proxy. Delayed calls are answered now, hung ones dropped."""
        with self._lock:
            self._faults.clear()
            self._delays.clear()
            release, self._release = self._release, threading.Event()
        release.set()

    def count(self, method: str | None = None, *, fault: Action | None = None) -> int:
        """Calls received, of ``method`` and that met ``fault`` when given (None: any)."""
        with self._lock:
            return sum(
                1
                for c in self._calls
                if (method is None or c.method == method) and (fault is None or c.fault == fault)
            )

    def log(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def _add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def start(self) -> Self:
        self._serve()
        return self

    def stop(self) -> None:
        self.down()
        self.clear()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _serve(self) -> None:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                answer = proxy._handle(body)
                if answer is None:
                    self.close_connection = True  # dropped: the client sees no answer
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the call log is proxy.log()

        # The same port again after an outage: the client's URL must not change.
        server = _Server(("127.0.0.1", self.port), Handler)
        self.port = server.server_address[1]
        with self._lock:
            self._server = server
        threading.Thread(target=server.serve_forever, name="rpc-fault-proxy", daemon=True).start()

    def _handle(self, body: bytes) -> bytes | None:
        """The bytes to answer ``body`` with, or None to drop the connection."""
        if self._down:
            return None
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None
        batch = isinstance(payload, list)
        calls: list[Any] = payload if batch else [payload]
        if not calls or not all(isinstance(c, dict) for c in calls):
            return self._forward(body)  # not JSON-RPC as we know it: the node's to answer
        with self._lock:
            release = self._release
            plan = [self._plan(call) for call in calls]
            late = max(
                self._delays.get(c.get("method"), self._delays.get(None, 0.0)) for c in calls
            )
        # Every call but those meant never to reach the node goes on, as one batch or alone.
        onward = [
            c for c, f in zip(calls, plan, strict=True) if not f or f.action not in ("fail", "hang")
        ]
        answers: dict[Any, Any] = {}
        if onward:
            forwarded = self._forward(json.dumps(onward if batch else onward[0]).encode())
            if forwarded is None:
                return None  # the node itself is unreachable: so are we
            got = json.loads(forwarded)
            answers = {a.get("id"): a for a in (got if isinstance(got, list) else [got])}
        if any(f and f.action in ("hang", "forward_then_hang") for f in plan):
            release.wait(MAX_HANG_S)
            return None
        if late:
            release.wait(late)
        out = [
            {"jsonrpc": "2.0", "id": c.get("id"), "error": {"code": f.code, "message": f.message}}
            if f and f.action in ("fail", "forward_then_fail")
            else answers.get(c.get("id"))
            for c, f in zip(calls, plan, strict=True)
        ]
        if self._down:  # the outage began while this call was on its way
            return None
        return json.dumps(out if batch else out[0]).encode()

    def _plan(self, call: dict[str, Any]) -> Fault | None:
        """The fault this call meets (used up by one), logged; the caller holds the lock."""
        method = str(call.get("method"))
        fault = next((f for f in self._faults if f.matches(method)), None)
        if fault is not None and fault.times is not None:
            fault.times -= 1
        self._calls.append(Call(time.monotonic(), method, fault.action if fault else None))
        return fault

    def _forward(self, body: bytes) -> bytes | None:
        request = urllib.request.Request(
            self.target_url, data=body, headers={"Content-Type": "application/json"}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=FORWARD_TIMEOUT_S) as response:
                data: bytes = response.read()
                return data
        except OSError:  # URLError, refused, timed out
            return None
