"""A JSON-RPC forwarder on 127.0.0.1 that counts calls: how often the service asks the chain."""

from __future__ import annotations

import json
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class CountingRpcProxy:
    """Forwards POSTed JSON-RPC to ``target``; ``calls`` counts each call (batches by element)."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.calls = 0
        self.by_method: dict[str, int] = {}
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                proxy._count(body)
                request = urllib.request.Request(
                    proxy.target, data=body, headers={"Content-Type": "application/json"}
                )
                with urllib.request.urlopen(request, timeout=60) as upstream:
                    answer = upstream.read()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: object) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def _count(self, body: bytes) -> None:
        try:
            parsed = json.loads(body)
        except ValueError:
            return
        calls = parsed if isinstance(parsed, list) else [parsed]
        with self._lock:
            for call in calls:
                method = str(call.get("method")) if isinstance(call, dict) else "?"
                self.by_method[method] = self.by_method.get(method, 0) + 1
                self.calls += 1

    def snapshot(self) -> int:
        with self._lock:
            return self.calls

    def start(self) -> CountingRpcProxy:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
