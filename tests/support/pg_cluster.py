"""Two ``lotproof serve`` and two ``lotproof worker`` processes on one PostgreSQL database.

For tests/faults/test_pg_two_instances.py: a fresh migrated database per test, the four
processes started on it, and what can be read back from them afterwards (who announced which
root, whether a consumer's scan through either instance says "authentic").
"""

from __future__ import annotations

import os
import re
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import psycopg
import pytest
from sqlalchemy.engine import make_url

from service.db import migrate
from service.db.engine import SessionFactory, make_engine
from tests.support.exactly_once import count_unsettled
from tests.support.hardhat import HardhatNode
from tests.support.processes import LotproofProcess, ServeProcess, lotproof_env, stop_all

PG_ADMIN_DSN = os.environ.get("LOTPROOF_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")
WORKERS = ("worker-a", "worker-b")
ANCHOR_INTERVAL_S = 0.2
# Above what usually arrives between two ticks, so that workers take turns; a backlog (after a
# kill) fills whole trees, and a full tree makes its worker tick again at once.
MAX_LEAVES = 256
ANCHORING_LINE = re.compile(r"anchoring (\d+) records, root (0x[0-9a-f]{64})")


def postgres_available() -> bool:
    try:
        with psycopg.connect(PG_ADMIN_DSN, connect_timeout=2):
            return True
    except psycopg.Error:
        return False


@dataclass
class Cluster:
    """Two ``lotproof serve`` and two ``lotproof worker`` processes on one database."""

    node: HardhatNode
    dsn: str  # libpq form of the database, for pg_locks
    sessions: SessionFactory
    env: dict[str, str]
    workdir: Path
    servers: list[ServeProcess] = field(default_factory=list)
    workers: dict[str, LotproofProcess] = field(default_factory=dict)
    retired: list[LotproofProcess] = field(default_factory=list)  # killed; logs kept

    def start_worker(self, name: str, generation: int = 1) -> LotproofProcess:
        env = self.env | {"PGAPPNAME": f"lotproof-{name}"}
        worker = LotproofProcess(name, ["worker"], env, self.workdir / f"{name}-{generation}.log")
        if name in self.workers:
            self.retired.append(self.workers[name])
        self.workers[name] = worker.start()
        return worker

    @property
    def processes(self) -> list[LotproofProcess]:
        return [*self.servers, *self.workers.values(), *self.retired]

    def anchorers(self) -> list[LotproofProcess]:
        """Processes that may anchor: the workers, and the servers if they run one inside."""
        inside = self.env["LOTPROOF_RUN_WORKER"] == "true"
        return [*self.retired, *self.workers.values(), *(self.servers if inside else [])]

    def roots_announced(self) -> dict[str, list[str]]:
        """The roots each process announced ("anchoring N records, root R": intent committed)."""
        announced: dict[str, list[str]] = {}
        for process in self.anchorers():
            roots = [m.group(2) for m in ANCHORING_LINE.finditer(process.log_text())]
            announced[process.name] = announced.get(process.name, []) + roots
        return announced


@contextmanager
def fresh_database() -> Iterator[tuple[str, str]]:
    """A fresh, migrated database: (SQLAlchemy URL, libpq DSN); dropped afterwards."""
    name = f"lotproof_two_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(PG_ADMIN_DSN).set(drivername="postgresql+psycopg", database=name)
    database_url = url.render_as_string(hide_password=False)
    engine = make_engine(database_url)
    migrate.upgrade(engine)  # once, before four processes would race to do it
    engine.dispose()
    try:
        yield database_url, psycopg.conninfo.make_conninfo(PG_ADMIN_DSN, dbname=name)
    finally:
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def running_cluster(
    node: HardhatNode, database: tuple[str, str], workdir: Path, *, in_process_workers: bool
) -> Iterator[Cluster]:
    """The four processes, started, each ready; stopped afterwards."""
    url, dsn = database
    env = lotproof_env(
        database_url=url,
        rpc_url=node.url,
        workdir=workdir,
        public_url="http://127.0.0.1",
        LOTPROOF_ANCHOR_INTERVAL=str(ANCHOR_INTERVAL_S),
        LOTPROOF_ANCHOR_MAX_LEAVES=str(MAX_LEAVES),
        LOTPROOF_RUN_WORKER="true" if in_process_workers else "false",
    )
    engine = make_engine(url)
    running = Cluster(node, dsn, SessionFactory(engine), env, workdir)
    try:
        # All four at once: each spends seconds importing before it touches the database.
        for name in WORKERS:
            running.start_worker(name)
        for i in (1, 2):
            server_env = env | {"PGAPPNAME": f"lotproof-serve-{i}"}
            log = workdir / f"serve-{i}.log"
            running.servers.append(ServeProcess(f"serve-{i}", server_env, log).start())
        for worker in running.workers.values():
            worker.wait_for_log("anchoring worker started", timeout=120)
        for server in running.servers:
            server.wait_ready(timeout=120)  # /readyz: a worker has deployed the contract
        yield running
    finally:
        stop_all(running.processes)
        engine.dispose()


def wait_until_all_anchored(sessions: SessionFactory, timeout: float = 120.0) -> float:
    """Seconds until no record is pending and every anchor is settled."""
    started = time.monotonic()
    while True:
        pending, unsettled = count_unsettled(sessions)
        if not pending and not unsettled:
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            pytest.fail(f"after {timeout:.0f} s: {pending} records pending, {unsettled} anchors")
        time.sleep(0.1)


def check_scans(cluster: Cluster, lots: list[dict[str, Any]]) -> None:
    """A consumer's scan says "authentic", for each lot, through each instance in turn.

    Each instance may serve a resolver answer from its cache for up to 1 s
    (LOTPROOF_CONSUMER_CACHE_TTL_S): a "pending" from before the last anchor is asked again.
    """
    for i, lot in enumerate(lots):
        server = cluster.servers[i % 2]
        url = f"{server.base_url}{urlsplit(lot['qr_url']).path}"
        deadline = time.monotonic() + 10
        while True:
            response = httpx.get(url, headers={"Accept": "application/json"}, timeout=60)
            assert response.status_code == 200, response.text
            verdict = response.json()["verdict"]
            if verdict == "authentic" or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        assert verdict == "authentic", (server.name, lot["lot"], verdict)
