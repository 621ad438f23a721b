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

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from service.anchoring.lock import ADVISORY_LOCK_KEY
from service.db.engine import SessionFactory
from service.db.models import Anchor, AnchorStatus
from service.hashing import digest_to_hex
from tests.builders import make_org
from tests.support.exactly_once import check_exactly_once
from tests.support.hardhat import HardhatNode
from tests.support.ingest_load import Load, make_lots, start_load
from tests.support.pg_cluster import (
    ANCHORING_LINE,
    WORKERS,
    Cluster,
    check_scans,
    fresh_database,
    postgres_available,
    running_cluster,
    wait_until_all_anchored,
)
from tests.support.processes import AdvisoryLockWatch

OUTCOME_LINE = re.compile(r"anchor \d+ (?:on chain at index|sent but not settled|became)")

# Decided at collection, so that no Hardhat node is started for nothing.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not postgres_available(), reason="PostgreSQL at 127.0.0.1:5432 not reachable"
    ),
]


@pytest.fixture
def pg_database() -> Iterator[tuple[str, str]]:
    """A fresh, migrated database: (SQLAlchemy URL, libpq DSN); dropped afterwards."""
    with fresh_database() as database:
        yield database


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
    with running_cluster(
        fault_node, pg_database, tmp_path, in_process_workers=in_process_workers
    ) as running:
        yield running


def check_everything(cluster: Cluster, load: Load) -> tuple[int, dict[str, list[str]]]:
    """Every promise after a run; returns the anchors on chain and the roots per process."""
    assert load.acked and not load.retry_mismatches, load.retry_mismatches[:3]
    assert not load.client_errors, load.client_errors[:3]
    assert set(load.statuses) == {201}, load.statuses
    batch_ids = [lot["id"] for lot in load.lots]
    _, on_chain = check_exactly_once(cluster.sessions, cluster.node.url, load.acked, batch_ids)
    check_scans(cluster, load.lots)
    for process in cluster.processes:
        assert "Traceback" not in process.log_text(), process.log_tail()
    announced = cluster.roots_announced()
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
        load, stop_load = start_load(cluster.servers, key, lots)
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
        load, stop_load = start_load(cluster.servers, key, lots)
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
