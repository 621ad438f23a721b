"""SIGKILL of the service during ingest under load: every event that got a 201 is there after a
restart (acknowledged means committed, group commit included), and nothing is half-written."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from service.db.engine import SessionFactory
from service.db.models import Batch, Record
from service.hashing import digest_to_hex
from tests.builders import chain_of, event_body, make_org, random_gtin, random_lot
from tests.support.live_server import free_port
from tests.support.proxy import TcpProxy

LOTPROOF = str(Path(sys.executable).with_name("lotproof"))
CLIENTS = 16
BATCHES = 4


class Server:
    """``lotproof serve`` as its own process, so that it can be killed outright."""

    def __init__(self, database_url: str, rpc_url: str, workdir: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("LOTPROOF_")} | {
            "LOTPROOF_ENV": "dev",
            "LOTPROOF_DATABASE_URL": database_url,
            "LOTPROOF_RPC_URL": rpc_url,
            "LOTPROOF_PUBLIC_URL": self.base,
            "LOTPROOF_RUN_WORKER": "false",
            "LOTPROOF_FILES_DIR": str(workdir / "files"),
            # Load, not rate limiting, is what this test needs: 16 clients share one address.
            "LOTPROOF_RATE_LIMIT_PER_KEY": "1000000/second",
            "LOTPROOF_RATE_LIMIT_PER_SOURCE": "1000000/second",
        }
        self.log = workdir / "serve.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [LOTPROOF, "serve", "--port", str(self.port), "--no-access-log"],
                env=self.env,
                stdout=log,
                stderr=log,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        pytest.fail(f"lotproof serve did not start: {self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


@pytest.fixture
def server(database_url: str, chain_proxy: TcpProxy, tmp_path: Path) -> Iterator[Server]:
    running = Server(database_url, chain_proxy.url, tmp_path)
    running.start()
    yield running
    running.stop()


def test_every_acknowledged_event_survives_a_sigkill(
    server: Server, sessions: SessionFactory
) -> None:
    _, key = make_org(sessions)
    headers = {"Authorization": f"Bearer {key}"}
    batch_ids = [_make_batch(server.base, headers) for _ in range(BATCHES)]
    acknowledged: list[dict[str, object]] = []
    killed = threading.Event()

    def post_until_killed(client_no: int) -> None:
        with httpx.Client(base_url=server.base, headers=headers, timeout=5) as client:
            for i in range(10_000):
                batch_id = batch_ids[(client_no + i) % BATCHES]
                # Times stay in the past, whatever the date: the window refuses the future.
                body = event_body("packing", hours=i % 24)
                try:
                    response = client.post(f"/api/v1/batches/{batch_id}/events", json=body)
                except httpx.HTTPError:
                    return  # the server is gone: this post was never acknowledged
                if response.status_code == 201:
                    acknowledged.append(response.json())
                if killed.is_set():
                    return

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        futures = [pool.submit(post_until_killed, n) for n in range(CLIENTS)]
        deadline = time.monotonic() + 30
        while len(acknowledged) < 300 and time.monotonic() < deadline:
            time.sleep(0.01)
        server.kill()  # mid-stream: other posts are in flight, some in an open group
        killed.set()
        for future in futures:
            future.result()
    assert len(acknowledged) >= 300

    server.start()  # recovery: the database as the killed process left it
    with sessions.read() as session:
        stored = {
            (r.batch_id, r.n): digest_to_hex(r.digest)
            for r in session.scalars(select(Record).where(Record.batch_id.in_(batch_ids)))
        }
        counts = {
            b.id: b.record_count
            for b in session.scalars(select(Batch).where(Batch.id.in_(batch_ids)))
        }
    for record in acknowledged:
        assert stored[(record["batch_id"], record["n"])] == record["digest"]
    for batch_id in batch_ids:  # contiguous, chained, and the head agrees with the rows
        assert chain_of(sessions, batch_id) == list(range(counts[batch_id]))
    # And the restarted service goes on where the chain stopped.
    response = httpx.post(
        f"{server.base}/api/v1/batches/{batch_ids[0]}/events",
        json=event_body("storage"),
        headers=headers,
    )
    assert response.status_code == 201 and response.json()["n"] == counts[batch_ids[0]]


def _make_batch(base: str, headers: dict[str, str]) -> int:
    gtin = random_gtin()
    with httpx.Client(base_url=base, headers=headers, timeout=10) as client:
        client.post("/api/v1/products", json={"gtin": gtin, "name": "Tea"}).raise_for_status()
        batch = {
            "gtin": gtin,
            "lot": random_lot(),
            "quantity": 100,
            "unit": "KGM",
            "produced_at": "2026-11-02T08:00:00+08:00",
        }
        response = client.post("/api/v1/batches", json=batch)
        response.raise_for_status()
        return int(response.json()["id"])
