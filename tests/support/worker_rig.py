"""The real API and an anchoring worker the test ticks, both behind tests/support/rpcfaults.py.

For tests/faults/test_rpc_faults.py: `open_rig` builds one on a test's own chain and database
(the worker has deployed its contract, so that the faults meet anchoring), and
`assert_recovered` checks docs/design.md §6 against the chain once the fault is over.
"""

from __future__ import annotations

import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from service.anchoring.worker import AnchoringWorker
from service.app import create_app
from service.db.engine import SessionFactory
from service.db.models import Record, RecordStatus
from service.ledger.factory import build_ledger
from tests.builders import auth, make_batch, make_org, scan
from tests.faults.conftest import fault_settings
from tests.support.exactly_once import (
    check_exactly_once,
    check_signer_transactions,
    count_unsettled,
)
from tests.support.ingest_load import event_at_second
from tests.support.rpcfaults import RpcFaultProxy


@dataclass
class Rig:
    """The real API and a worker the test ticks, both reaching the chain through the proxy."""

    client: TestClient
    worker: AnchoringWorker
    proxy: RpcFaultProxy
    sessions: SessionFactory
    node_url: str
    signer: str
    key: str
    batch: dict[str, Any]
    acked: list[dict[str, Any]] = field(default_factory=list)  # the body of every 201
    more_batches: list[dict[str, Any]] = field(default_factory=list)  # scanned at the end too

    def post(self, count: int, *, max_seconds: float = 2.0) -> None:
        """Record ``count`` events; each must be acknowledged at once, whatever the chain does
        (no chain call inside a request)."""
        for _ in range(count):
            body = event_at_second(len(self.acked))
            started = time.monotonic()
            response = self.client.post(
                f"/api/v1/batches/{self.batch['id']}/events", json=body, headers=auth(self.key)
            )
            assert response.status_code == 201, response.text
            assert time.monotonic() - started < max_seconds
            self.acked.append(response.json())

    def readiness(self, state: str, deadline_s: float = 8.0) -> str:
        """/readyz's chain message once its chain state is ``state`` (the app's watcher looks
        every second, and a timed-out call takes rpc_timeout)."""
        deadline = time.monotonic() + deadline_s
        while True:
            response = self.client.get("/readyz")
            chain = response.json()["chain"]
            if chain["state"] == state or time.monotonic() > deadline:
                assert chain["state"] == state, response.text
                assert response.status_code == (200 if state == "ok" else 503), response.text
                return str(chain["message"])
            time.sleep(0.1)

    def settle(self, max_ticks: int = 4) -> int:
        """Tick until nothing is pending or in flight; the number of ticks it took."""
        for ticks in range(1, max_ticks + 1):
            self.worker.tick()
            if count_unsettled(self.sessions) == (0, 0):
                return ticks
        raise AssertionError(f"not settled after {max_ticks} ticks: {self.worker.health}")

    def unanchored(self, up_to_id: int | None = None) -> int:
        """Records not yet anchored (only those up to record ``up_to_id``, if given)."""
        is_unanchored = Record.status != RecordStatus.anchored
        query = select(func.count()).select_from(Record).where(is_unanchored)
        if up_to_id is not None:
            query = query.where(Record.id <= up_to_id)
        with self.sessions.read() as session:
            return int(session.scalar(query) or 0)


def open_rig(
    stack: ExitStack,
    *,
    node_url: str,
    database_url: str,
    sessions: SessionFactory,
    proxy: RpcFaultProxy,
    files_dir: Path,
    **overrides: Any,
) -> Rig:
    """A rig whose app closes with ``stack``; ``overrides`` change the suite's settings."""
    settings = fault_settings(database_url, proxy.url, files_dir, **overrides)
    client = stack.enter_context(TestClient(create_app(settings)))
    # Registered after the client, so run before it closes: a held call must not keep the
    # app's chain watcher (joined on shutdown) waiting.
    stack.callback(proxy.up)
    stack.callback(proxy.clear)
    ledger = build_ledger(settings)
    worker = AnchoringWorker(sessions=sessions, ledger=ledger, settings=settings)
    _, key = make_org(sessions)
    batch = make_batch(client, key)
    worker.tick()  # deploys this test's contract: the faults are for anchoring
    assert worker.health.state == "ok", worker.health
    return Rig(client, worker, proxy, sessions, node_url, ledger.signer_address, key, batch)


def assert_recovered(rig: Rig) -> None:
    """Nothing lost, every record in exactly one final anchor, each root on chain once, no
    nonce gap, and the consumer sees an authentic batch."""
    batches = [rig.batch, *rig.more_batches]
    address, on_chain = check_exactly_once(
        rig.sessions,
        rig.node_url,
        rig.acked,
        [batch["id"] for batch in batches],
        failed_anchors_allowed=True,
    )
    check_signer_transactions(rig.node_url, rig.signer, address, on_chain)
    for batch in batches:
        assert scan(rig.client, batch)["verdict"] == "authentic"
