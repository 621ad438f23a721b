"""The real app under uvicorn in a thread, for tests that need a socket (browsers, the CLI)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn

from service.app import create_app
from service.config import Settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def live_settings_for(database_url: str, rpc_url: str, files_dir: Path) -> Settings:
    """Settings whose public URL is the live server's own address, so links resolve."""
    return Settings(
        env="dev",
        database_url=database_url,
        rpc_url=rpc_url,
        public_url=f"http://127.0.0.1:{free_port()}",
        files_dir=files_dir,
        anchor_interval=0.2,
        run_worker=False,
        rpc_timeout=5,
        # As in tests/support/settings.py: the suite fires many requests a second from one
        # address; tests/api/test_rate_limits.py and test_edge_security.py turn limits on.
        rate_limit_per_key="",
        rate_limit_per_source="",
        rate_limit_auth_failures="",
    )


@contextmanager
def live_server(settings: Settings) -> Iterator[str]:
    """Serve ``create_app(settings)`` at ``settings.public_url`` until the block ends."""
    port = int(settings.public_url.rsplit(":", 1)[1])
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="live-server", daemon=True)
    thread.start()
    base = settings.public_url
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            pytest.fail(f"live server at {base} did not answer /healthz")
        time.sleep(0.05)
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=30)
