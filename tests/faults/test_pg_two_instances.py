"""PostgreSQL scale-out (issue 8): two service instances and two ``lotproof worker`` processes on
one database and one chain anchor every acknowledged record exactly once.

Client threads post single and bulk events to both instances at once (single posts carry an
``Idempotency-Key``; some are retried on the other instance). The workers contend for the
advisory lock (service/anchoring/lock.py) tick after tick. Afterwards every acknowledged record
is stored once, every record is in exactly one final anchor, the contract holds exactly the
final anchors at their recorded indexes, and a scan through either instance says "authentic".
The kill case SIGKILLs the worker that is anchoring, preferably between its "anchoring ..." line
(intent committed) and its receipt; the other worker settles the orphaned anchor and goes on.

Who holds the lock is sampled from pg_locks (each process has its own PGAPPNAME); who anchored
what, from the workers' "anchoring N records, root R" lines.
"""

from __future__ import annotations

import os
import re
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import psycopg
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from web3 import Web3

from service.anchoring.lock import ADVISORY_LOCK_KEY
from service.db import migrate
from service.db.engine import SessionFactory, make_engine
from service.db.models import Anchor, AnchorStatus, Deployment, Record, RecordStatus
from service.hashing import digest_to_hex
from service.merkle import build_tree
from tests.builders import chain_of, event_body, make_org, random_gtin, random_lot
from tests.support.hardhat import HardhatNode, load_artifact
from tests.support.processes import (
    AdvisoryLockWatch,
    LotproofProcess,
    ServeProcess,
    lotproof_env,
    stop_all,
)

PG_ADMIN_DSN = os.environ.get("LOTPROOF_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")
WORKERS = ("worker-a", "worker-b")
CLIENTS = 6
LOTS = 8
BULK_EVERY = 4  # every 4th request of a client is a bulk import of BULK_ROWS events
BULK_ROWS = 10
RETRY_EVERY = 5  # every 5th single post is retried, same key, on the other instance
ANCHOR_INTERVAL_S = 0.2
# Above what usually arrives between two ticks, so that workers take turns; a backlog (after a
# kill) fills whole trees, and a full tree makes its worker tick again at once.
MAX_LEAVES = 256
ANCHORING_LINE = re.compile(r"anchoring (\d+) records, root (0x[0-9a-f]{64})")
OUTCOME_LINE = re.compile(r"anchor \d+ (?:on chain at index|sent but not settled|became)")
UNSETTLED = (AnchorStatus.prepared, AnchorStatus.sent, AnchorStatus.anchored)


def _postgres_available() -> bool:
    try:
        with psycopg.connect(PG_ADMIN_DSN, connect_timeout=2):
            return True
    except psycopg.Error:
        return False


# Decided at collection, so that no Hardhat node is started for nothing.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not _postgres_available(), reason="PostgreSQL at 127.0.0.1:5432 not reachable"
    ),
]


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


@pytest.fixture
def pg_database() -> Iterator[tuple[str, str]]:
    """A fresh, migrated database: (SQLAlchemy URL, libpq DSN); dropped afterwards."""
    name = f"lotproof_two_{secrets.token_hex(4)}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = make_url(PG_ADMIN_DSN).set(drivername="postgresql+psycopg", database=name)
    database_url = url.render_as_string(hide_password=False)
    engine = make_engine(database_url)
    migrate.upgrade(engine)  # once, before four processes would race to do it
    engine.dispose()
    yield database_url, psycopg.conninfo.make_conninfo(PG_ADMIN_DSN, dbname=name)
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def in_process_workers(request: pytest.FixtureRequest) -> bool:
    """Whether the servers also run their in-process worker (four anchoring processes)."""
    return bool(getattr(request, "param", False))


@pytest.fixture
def cluster(
    fault_node: HardhatNode,
    pg_database: tuple[str, str],
    in_process_workers: bool,
    tmp_path: Path,
) -> Iterator[Cluster]:
    url, dsn = pg_database
    env = lotproof_env(
        database_url=url,
        rpc_url=fault_node.url,
        workdir=tmp_path,
        public_url="http://127.0.0.1",
        LOTPROOF_ANCHOR_INTERVAL=str(ANCHOR_INTERVAL_S),
        LOTPROOF_ANCHOR_MAX_LEAVES=str(MAX_LEAVES),
        LOTPROOF_RUN_WORKER="true" if in_process_workers else "false",
    )
    engine = make_engine(url)
    running = Cluster(fault_node, dsn, SessionFactory(engine), env, tmp_path)
    try:
        # All four at once: each spends seconds importing before it touches the database.
        for name in WORKERS:
            running.start_worker(name)
        for i in (1, 2):
            server_env = env | {"PGAPPNAME": f"lotproof-serve-{i}"}
            log = tmp_path / f"serve-{i}.log"
            running.servers.append(ServeProcess(f"serve-{i}", server_env, log).start())
        for worker in running.workers.values():
            worker.wait_for_log("anchoring worker started", timeout=120)
        for server in running.servers:
            server.wait_ready(timeout=120)  # /readyz: a worker has deployed the contract
        yield running
    finally:
        stop_all(running.processes)
        engine.dispose()


@dataclass
class Load:
    """What the clients sent and what they were told."""

    lots: list[dict[str, Any]]
    acked: list[dict[str, Any]] = field(default_factory=list)  # every record a 201 returned
    statuses: Counter[int] = field(default_factory=Counter)
    retries: int = 0
    retry_mismatches: list[str] = field(default_factory=list)
    client_errors: list[str] = field(default_factory=list)  # no answer, or not the one expected
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answered(self, response: httpx.Response, records: list[dict[str, Any]]) -> None:
        with self.lock:
            self.statuses[response.status_code] += 1
            self.acked.extend(records)


def make_lots(servers: list[ServeProcess], key: str) -> list[dict[str, Any]]:
    """LOTS batches, made alternately through each instance."""
    lots = []
    for i in range(LOTS):
        headers = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=servers[i % 2].base_url, headers=headers) as client:
            gtin = random_gtin()
            client.post("/api/v1/products", json={"gtin": gtin, "name": "Tea"}).raise_for_status()
            batch = {"gtin": gtin, "lot": random_lot(), "quantity": 100, "unit": "KGM"}
            batch["produced_at"] = "2026-11-02T08:00:00+08:00"
            response = client.post("/api/v1/batches", json=batch)
            response.raise_for_status()
            lots.append(response.json())
    return lots


def _post(n: int, i: int, clients: list[httpx.Client], load: Load) -> None:
    """Client ``n``'s ``i``-th request: to one instance, a retry (if any) to the other."""
    here, there = clients[(n + i) % 2], clients[(n + i + 1) % 2]
    url = f"/api/v1/batches/{load.lots[(n + i) % len(load.lots)]['id']}/events"
    if i % BULK_EVERY == 0:
        rows = [event_body("packing", hours=i, client=n, row=j) for j in range(BULK_ROWS)]
        response = here.post(f"{url}:bulk", json={"events": rows})
        load.answered(response, response.json()["records"] if response.status_code == 201 else [])
        return
    body, key = event_body("packing", hours=i, client=n), f"c{n}-{i}"
    response = here.post(url, json=body, headers={"Idempotency-Key": key})
    load.answered(response, [response.json()] if response.status_code == 201 else [])
    if response.status_code == 201 and i % RETRY_EVERY == 1:
        again = there.post(url, json=body, headers={"Idempotency-Key": key})
        with load.lock:
            load.retries += 1
            if again.status_code != 201 or again.json() != response.json():
                load.retry_mismatches.append(f"{again.status_code} {again.text[:300]}")


def start_load(
    cluster: Cluster, key: str, lots: list[dict[str, Any]]
) -> tuple[Load, Callable[[], None]]:
    """CLIENTS threads posting to both instances until the returned function is called."""
    load, stop = Load(lots), threading.Event()
    headers = {"Authorization": f"Bearer {key}"}

    def client(n: int) -> None:
        clients = [
            httpx.Client(base_url=s.base_url, headers=headers, timeout=30) for s in cluster.servers
        ]
        i = 0
        try:
            while not stop.is_set():
                i += 1
                try:
                    _post(n, i, clients, load)
                except Exception as e:  # reported by the test, not lost with its thread
                    with load.lock:
                        load.client_errors.append(f"{type(e).__name__}: {e}")
        finally:
            for each in clients:
                each.close()

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()

    def stop_load() -> None:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)

    return load, stop_load


def wait_until_all_anchored(sessions: SessionFactory, timeout: float = 120.0) -> float:
    """Seconds until no record is pending and every anchor is settled."""
    started = time.monotonic()
    while True:
        with sessions.read() as session:
            is_pending = Record.status == RecordStatus.pending
            pending = session.scalar(select(func.count()).select_from(Record).where(is_pending))
            unsettled = session.scalar(
                select(func.count()).select_from(Anchor).where(Anchor.status.in_(UNSETTLED))
            )
        if not pending and not unsettled:
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            pytest.fail(f"after {timeout:.0f} s: {pending} records pending, {unsettled} anchors")
        time.sleep(0.1)


def check_records(cluster: Cluster, load: Load) -> None:
    """Every 201 is stored once, as acknowledged; every record is in one final anchor."""
    with cluster.sessions.read() as session:
        columns = (Record.id, Record.batch_id, Record.n, Record.digest, Record.status)
        records = session.execute(select(*columns, Record.anchor_id, Record.proof)).all()
        anchors = {a.id: a for a in session.scalars(select(Anchor))}
        session.expunge_all()
    by_id = {r.id: r for r in records}
    assert len(load.acked) == len({ack["id"] for ack in load.acked}), "one record, two 201s"
    for ack in load.acked:
        row = by_id[ack["id"]]
        stored = (row.batch_id, row.n, digest_to_hex(row.digest))
        assert stored == (ack["batch_id"], ack["n"], ack["digest"])
    for lot in load.lots:  # each lot's chain: contiguous, linked, and nothing unacknowledged
        numbers = chain_of(cluster.sessions, lot["id"])
        assert numbers == list(range(len(numbers)))
        assert numbers == sorted(a["n"] for a in load.acked if a["batch_id"] == lot["id"])
    digests = Counter(digest_to_hex(r.digest) for r in records)
    assert max(digests.values()) == 1
    assert {a.status for a in anchors.values()} == {AnchorStatus.final}
    assert max(Counter(a.root for a in anchors.values()).values()) == 1
    for anchor in anchors.values():  # anyone can recompute the root from the public leaves
        assert anchor.leaf_count == len(anchor.leaves)
        assert build_tree([bytes.fromhex(leaf[2:]) for leaf in anchor.leaves]).root == anchor.root
    leaves = Counter(leaf for anchor in anchors.values() for leaf in anchor.leaves)
    assert leaves == digests, "each record's digest is a leaf of exactly one anchor"
    for row in records:
        assert row.status == RecordStatus.anchored and row.proof is not None
        assert row.anchor_id is not None
        assert digest_to_hex(row.digest) in anchors[row.anchor_id].leaves


def check_chain(cluster: Cluster) -> int:
    """The contract holds exactly the final anchors, each at its recorded index."""
    with cluster.sessions.read() as session:
        address = session.scalars(select(Deployment.address).where(Deployment.active)).one()
        final = session.execute(
            select(Anchor.root, Anchor.chain_index, Anchor.leaf_count).where(
                Anchor.status == AnchorStatus.final
            )
        ).all()
    w3 = Web3(Web3.HTTPProvider(cluster.node.url, request_kwargs={"timeout": 30}))
    abi = load_artifact()["abi"]
    contract = w3.eth.contract(address=Web3.to_checksum_address(address), abi=abi)
    count = int(contract.functions.anchorCount().call())
    assert count == len(final)
    assert sorted(-1 if index is None else index for _, index, _ in final) == list(range(count))
    for root, index, leaf_count in final:
        found, at = contract.functions.indexOf(root).call()
        assert (found, at) == (True, index)
        assert contract.functions.anchorAt(index).call()[1] == leaf_count
    return count


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


def roots_announced(cluster: Cluster) -> dict[str, list[str]]:
    """The roots each process announced ("anchoring N records, root R": intent committed)."""
    announced: dict[str, list[str]] = {}
    for process in cluster.anchorers():
        roots = [m.group(2) for m in ANCHORING_LINE.finditer(process.log_text())]
        announced[process.name] = announced.get(process.name, []) + roots
    return announced


def check_everything(cluster: Cluster, load: Load) -> tuple[int, dict[str, list[str]]]:
    """Every promise after a run; returns the anchors on chain and the roots per process."""
    assert load.acked and not load.retry_mismatches, load.retry_mismatches[:3]
    assert not load.client_errors, load.client_errors[:3]
    assert set(load.statuses) == {201}, load.statuses
    check_records(cluster, load)
    on_chain = check_chain(cluster)
    check_scans(cluster, load.lots)
    for process in cluster.processes:
        assert "Traceback" not in process.log_text(), process.log_tail()
    announced = roots_announced(cluster)
    with cluster.sessions.read() as session:
        roots = [digest_to_hex(root) for root in session.scalars(select(Anchor.root))]
    # Each root was announced once, by one process.
    assert sorted(r for each in announced.values() for r in each) == sorted(roots)
    return on_chain, announced


def _shares(announced: dict[str, list[str]]) -> str:
    return ", ".join(f"{name} {len(roots)}" for name, roots in sorted(announced.items()))


@dataclass
class Kill:
    victim: str
    survivor: str
    how: str  # "in flight": announced a root, no outcome logged yet; else "lock holder"
    at: float
    anchor_id: int | None = None
    status_at_kill: str | None = None


def _in_flight_root(log: str) -> str | None:
    """The root this worker announced last, unless it has logged that anchor's outcome since."""
    announced = list(ANCHORING_LINE.finditer(log))
    outcomes = list(OUTCOME_LINE.finditer(log))
    if not announced or (outcomes and outcomes[-1].start() > announced[-1].start()):
        return None
    return announced[-1].group(2)


def kill_the_anchoring_worker(cluster: Cluster, watch: AdvisoryLockWatch, give_up: float) -> Kill:
    """SIGKILL the worker that is mid-anchor; failing that by ``give_up``, the lock holder."""
    victim, root = None, None
    while victim is None and time.monotonic() < give_up:
        for name, worker in cluster.workers.items():
            if (root := _in_flight_root(worker.log_text())) is not None:
                victim = name
                break
        else:
            time.sleep(0.005)
    how = "in flight" if victim is not None else "lock holder"
    while victim is None:
        holder = watch.current_holder()
        victim = holder.removeprefix("lotproof-") if holder else None
        time.sleep(0.005)
    cluster.workers[victim].kill()
    kill = Kill(victim, next(n for n in WORKERS if n != victim), how, time.monotonic())
    if root is not None:
        with cluster.sessions.read() as session:
            anchor = session.scalars(select(Anchor).where(Anchor.root == bytes.fromhex(root[2:])))
            row = anchor.one()
            kill.anchor_id, kill.status_at_kill = row.id, row.status
    return kill


def wait_final(sessions: SessionFactory, anchor_id: int, timeout: float = 60.0) -> float:
    """Seconds until anchor ``anchor_id`` is final."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        with sessions.read() as session:
            status = session.scalars(select(Anchor.status).where(Anchor.id == anchor_id)).one()
        if status == AnchorStatus.final:
            return time.monotonic() - started
        time.sleep(0.02)
    pytest.fail(f"anchor {anchor_id} of the killed worker not final after {timeout:.0f} s")


@pytest.mark.faults
@pytest.mark.parametrize(
    "in_process_workers",
    [pytest.param(False, id="2-workers"), pytest.param(True, id="2-workers+2-in-process")],
    indirect=True,
)
def test_two_instances_and_two_workers_anchor_every_record_exactly_once(
    cluster: Cluster, in_process_workers: bool
) -> None:
    seconds = 18.0
    _, key = make_org(cluster.sessions)
    lots = make_lots(cluster.servers, key)
    with AdvisoryLockWatch(cluster.dsn, ADVISORY_LOCK_KEY) as watch:
        load, stop_load = start_load(cluster, key, lots)
        time.sleep(seconds)
        stop_load()
        drain_s = wait_until_all_anchored(cluster.sessions)
        # Idle ticks take the lock too: each anchoring process still gets its turn.
        for process in cluster.anchorers():
            watch.wait_for_hold(f"lotproof-{process.name}", after=time.monotonic())
    assert all(p.alive for p in cluster.processes), "every process lived through the run"
    on_chain, announced = check_everything(cluster, load)
    assert watch.most_at_once() == 1
    print(
        f"\n[two instances, {len(cluster.anchorers())} anchoring processes, {seconds:.0f} s]"
        f" events {len(load.acked)} in {sum(load.statuses.values())} requests"
        f" ({load.retries} retried on the other instance); anchors {on_chain}"
        f" ({_shares(announced)}); everything anchored {drain_s:.2f} s after the load;"
        f" lock held in {dict(watch.holds())} of {len(watch.samples)} samples,"
        f" {watch.handovers()} handovers"
    )


@pytest.mark.parametrize(
    ("seconds", "restart"),
    [
        pytest.param(6.0, False, id="6s"),
        pytest.param(18.0, True, id="18s-restart", marks=pytest.mark.faults),
    ],
)
def test_the_other_worker_takes_over_when_the_anchoring_one_is_killed(
    cluster: Cluster, seconds: float, restart: bool
) -> None:
    _, key = make_org(cluster.sessions)
    lots = make_lots(cluster.servers, key)
    with AdvisoryLockWatch(cluster.dsn, ADVISORY_LOCK_KEY) as watch:
        started = time.monotonic()
        load, stop_load = start_load(cluster, key, lots)
        time.sleep(seconds / 4)
        kill = kill_the_anchoring_worker(cluster, watch, give_up=started + seconds * 0.75)
        settle_s = wait_final(cluster.sessions, kill.anchor_id) if kill.anchor_id else None
        if restart:  # it rejoins: nothing left for it to recover, and it takes turns again
            cluster.start_worker(kill.victim, generation=2)
        time.sleep(max(0.0, started + seconds - time.monotonic()))
        stop_load()
        drain_s = wait_until_all_anchored(cluster.sessions)
        rejoined_s = None
        if restart:
            cluster.workers[kill.victim].wait_for_log("anchoring worker started", timeout=120)
            rejoined_s = watch.wait_for_hold(f"lotproof-{kill.victim}", after=time.monotonic())
    survivors = [*cluster.servers, cluster.workers[kill.survivor]]
    assert all(p.alive for p in survivors + ([cluster.workers[kill.victim]] if restart else []))
    on_chain, announced = check_everything(cluster, load)
    assert watch.most_at_once() == 1
    takeover = watch.first_hold(f"lotproof-{kill.survivor}", kill.at)
    assert takeover is not None
    orphan = "none"
    if kill.anchor_id is not None:  # who finished it: its receipt is recorded once, by one
        recorded = rf"anchor {kill.anchor_id} on chain at index \d+"
        resent = rf"anchor {kill.anchor_id}: transaction lost, resending"
        by = [p.name for p in cluster.anchorers() if re.search(recorded, p.log_text())]
        assert len(by) <= 1, by  # none: the victim stored the receipt, then died unlogged
        survivor_log = cluster.workers[kill.survivor].log_text()
        how = "resent and recorded" if re.search(resent, survivor_log) else "recorded"
        orphan = f"{how} by {', '.join(by) or kill.victim}, final {settle_s:.3f} s after the kill"
    print(
        f"\n[kill, {seconds:.0f} s] SIGKILLed {kill.victim} ({kill.how}; its anchor"
        f" {kill.anchor_id} read {kill.status_at_kill} just after); {kill.survivor} held the lock"
        f" {takeover - kill.at:.3f} s later; orphaned anchor {orphan};"
        + (f" {kill.victim}, restarted, took the lock in {rejoined_s:.2f} s;" if restart else "")
        + f" events {len(load.acked)}, anchors {on_chain} ({_shares(announced)}),"
        f" everything anchored {drain_s:.2f} s after the load; lock held in"
        f" {dict(watch.holds())} of {len(watch.samples)} samples, {watch.handovers()} handovers"
    )
