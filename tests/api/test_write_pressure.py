"""More concurrent writers than the server has threads: every write lands, none waits forever.

Regression: with the commit in a sync dependency and the write transaction begun while
authenticating, 40+ concurrent POSTs on SQLite filled the thread pool with requests waiting
for the write lock while the holder waited for a pool thread to commit; every request stalled
until the 30 s timeouts and then failed with "database is locked".

Two kinds of write meet that pressure, and both are driven here as clients send them: bulk
posts (a route in the thread pool with the request's session, where the deadlock lived) and
single-event posts (the group commit, whatever serves them).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from service.config import Settings
from service.db.engine import SessionFactory
from service.db.models import Record
from service.hashing import digest_to_hex
from tests.builders import make_org, random_gtin, random_lot
from tests.support.live_server import live_server, live_settings_for
from tests.support.proxy import TcpProxy

WRITERS = 64
THREADS = 8  # far fewer pool threads than writers, so the old deadlock would be certain


@pytest.fixture
def base_url(database_url: str, chain_proxy: TcpProxy, tmp_path: Path) -> Iterator[str]:
    settings = live_settings_for(database_url, chain_proxy.url, tmp_path / "files")
    with live_server(settings.model_copy(update={"http_threads": THREADS})) as base:
        yield base


@pytest.mark.parametrize("kind", ["bulk", "single"])
def test_many_concurrent_writers_all_commit_in_order(
    base_url: str, sessions: SessionFactory, settings: Settings, kind: str
) -> None:
    _, key = make_org(sessions)
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=60) as client:
        gtin = random_gtin()
        assert client.post("/api/v1/products", json={"gtin": gtin, "name": "Tea"}).is_success
        batch = {"gtin": gtin, "lot": random_lot(), "quantity": 10, "unit": "KGM",
                 "produced_at": "2026-11-02T08:00:00+08:00"}  # fmt: skip
        batch_id = client.post("/api/v1/batches", json=batch).json()["id"]
        event = {"type": "production", "event_time": "2026-11-02T08:00:00+08:00",
                 "location": "Plant 2", "details": {}}  # fmt: skip

        url, body = f"/api/v1/batches/{batch_id}/events", event
        if kind == "bulk":
            url, body = f"{url}:bulk", {"events": [event]}

        def post(_: int) -> int:
            with httpx.Client(base_url=base_url, headers=headers, timeout=60) as one:
                return one.post(url, json=body).status_code

        with ThreadPoolExecutor(WRITERS) as pool:
            statuses = list(pool.map(post, range(WRITERS)))
    assert statuses == [201] * WRITERS
    with sessions.read() as session:
        records = session.scalars(
            select(Record).where(Record.batch_id == batch_id).order_by(Record.n)
        ).all()
    assert [r.n for r in records] == list(range(WRITERS))
    for earlier, later in itertools.pairwise(records):
        assert json.loads(later.content or "{}")["prev"] == digest_to_hex(earlier.digest)
