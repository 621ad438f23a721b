"""The anchoring worker behind a misbehaving JSON-RPC endpoint (issue 8, faults).

Each test puts tests/support/rpcfaults.py between the service and the module's own Hardhat
node, records events through the real API while the fault lasts, then lets the worker recover
and checks DESIGN §6 against the chain itself, not against what the service says about it:
every acknowledged event is stored and ends in exactly one final anchor, every root is on
chain exactly once, no mined transaction of the anchoring key reverted, and its nonces have no
gap (on a real chain a skipped nonce stalls every later transaction; Hardhat's automine refuses
one outright, so here it would surface as an error).
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from web3 import Web3
from web3.types import TxData

from service.anchoring.repository import AnchorRepository
from service.anchoring.worker import AnchoringWorker
from service.app import create_app
from service.db.engine import SessionFactory
from service.db.models import Anchor, AnchorStatus, Record, RecordStatus
from service.hashing import digest_to_hex
from service.ledger.factory import build_ledger
from tests.builders import auth, make_batch, make_org, scan
from tests.faults.conftest import fault_settings
from tests.support.hardhat import HardhatNode, load_artifact
from tests.support.rpcfaults import Action, RpcFaultProxy

SEND = "eth_sendRawTransaction"
EVENT_EPOCH = datetime(2026, 11, 2, 8, tzinfo=UTC)


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
    acked: dict[int, str] = field(default_factory=dict)  # record id -> digest, answered 201
    more_batches: list[dict[str, Any]] = field(default_factory=list)  # scanned at the end too

    def post(self, count: int, *, max_seconds: float = 2.0) -> None:
        """Record ``count`` events; each must be acknowledged at once, whatever the chain does
        (no chain call inside a request)."""
        for _ in range(count):
            body = _event(len(self.acked))
            started = time.monotonic()
            response = self.client.post(
                f"/api/v1/batches/{self.batch['id']}/events", json=body, headers=auth(self.key)
            )
            assert response.status_code == 201, response.text
            assert time.monotonic() - started < max_seconds
            self.acked[response.json()["id"]] = response.json()["digest"]

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
            with self.sessions.read() as session:
                pending = session.scalar(
                    select(func.count())
                    .select_from(Record)
                    .where(Record.status == RecordStatus.pending)
                )
                in_flight = session.scalar(
                    select(func.count())
                    .select_from(Anchor)
                    .where(Anchor.status.in_((AnchorStatus.sent, AnchorStatus.anchored)))
                )
            if pending == 0 and in_flight == 0:
                return ticks
        raise AssertionError(f"not settled after {max_ticks} ticks: {self.worker.health}")


def _event(i: int) -> dict[str, Any]:
    # Seconds apart, so that thousands of events stay in the past.
    moment = EVENT_EPOCH + timedelta(seconds=i)
    return {"type": "packing", "event_time": moment.isoformat(), "location": "Line 3"}


@pytest.fixture
def proxy(fault_node: HardhatNode) -> Iterator[RpcFaultProxy]:
    with RpcFaultProxy(fault_node.url) as proxy:
        yield proxy


@pytest.fixture
def start_rig(
    fault_node: HardhatNode,
    fault_db_url: str,
    fault_sessions: SessionFactory,
    proxy: RpcFaultProxy,
    tmp_path: Path,
) -> Iterator[Callable[..., Rig]]:
    with ExitStack() as stack:

        def start(**overrides: Any) -> Rig:
            settings = fault_settings(fault_db_url, proxy.url, tmp_path / "files", **overrides)
            client = stack.enter_context(TestClient(create_app(settings)))
            # Registered after the client, so run before it closes: a held call must not keep
            # the app's chain watcher (joined on shutdown) waiting.
            stack.callback(proxy.up)
            stack.callback(proxy.clear)
            ledger = build_ledger(settings)
            worker = AnchoringWorker(sessions=fault_sessions, ledger=ledger, settings=settings)
            _, key = make_org(fault_sessions)
            batch = make_batch(client, key)
            worker.tick()  # deploys this test's contract: the faults are for anchoring
            assert worker.health.state == "ok", worker.health
            return Rig(
                client,
                worker,
                proxy,
                fault_sessions,
                fault_node.url,
                ledger.signer_address,
                key,
                batch,
            )

        yield start


def assert_recovered(rig: Rig) -> None:
    """Nothing lost, every record in exactly one final anchor, each root on chain once, no
    nonce gap, and the consumer sees an authentic batch."""
    with rig.sessions.read() as session:
        records = session.scalars(select(Record)).all()
        deployment = AnchorRepository(session).get_active_deployment()
        assert deployment is not None
        anchors = session.scalars(select(Anchor).where(Anchor.deployment_id == deployment.id)).all()
        session.expunge_all()
    stored = {r.id: digest_to_hex(r.digest) for r in records}
    assert {i: stored.get(i) for i in rig.acked} == rig.acked, "an acknowledged event is lost"

    final = {a.id: a for a in anchors if a.status == AnchorStatus.final}
    assert {a.status for a in anchors} <= {AnchorStatus.final, AnchorStatus.failed}
    assert [r.id for r in records if r.status != RecordStatus.anchored] == []
    home = {r.id: final.get(r.anchor_id or 0) for r in records}
    assert [i for i, a in home.items() if a is None] == [], "a record in no final anchor"
    assert [i for i, a in home.items() if a and stored[i] not in a.leaves] == []
    leaves = Counter(leaf for a in final.values() for leaf in a.leaves)
    assert [leaf for leaf, n in leaves.items() if n > 1] == [], "a record in two anchors"
    assert set(leaves) == set(stored.values())

    w3 = Web3(Web3.HTTPProvider(rig.node_url))
    address = Web3.to_checksum_address(deployment.address)
    contract = w3.eth.contract(address=address, abi=load_artifact()["abi"])
    count = contract.functions.anchorCount().call()
    on_chain = [contract.functions.anchorAt(i).call() for i in range(count)]
    assert sorted(bytes(root) for root, *_ in on_chain) == sorted(a.root for a in final.values())
    for a in final.values():
        assert list(contract.functions.indexOf(a.root).call()) == [True, a.chain_index]
        assert a.chain_index is not None and on_chain[a.chain_index][1] == a.leaf_count
    sent = assert_nonces_without_gap(w3, rig.signer)
    to_contract = [tx for tx in sent if tx.get("to") == address]
    assert len(to_contract) == count, "an anchor transaction was mined twice (or lost)"
    for batch in [rig.batch, *rig.more_batches]:
        assert scan(rig.client, batch)["verdict"] == "authentic"


def assert_nonces_without_gap(w3: Web3, address: str) -> list[TxData]:
    """Every transaction the signer ever got mined on this node: nonces 0..n-1, all succeeded,
    none left waiting."""
    signer = Web3.to_checksum_address(address)
    sent: list[TxData] = []
    for number in range(w3.eth.block_number + 1):
        for tx in w3.eth.get_block(number, full_transactions=True)["transactions"]:
            assert not isinstance(tx, bytes)
            if tx["from"] == signer:
                sent.append(tx)
    assert [tx["nonce"] for tx in sent] == list(range(len(sent))), "a nonce gap"
    assert w3.eth.get_transaction_count(signer, "latest") == len(sent)
    assert w3.eth.get_transaction_count(signer, "pending") == len(sent), "a tx left waiting"
    reverted = [
        tx["hash"].hex() for tx in sent if w3.eth.get_transaction_receipt(tx["hash"])["status"] != 1
    ]
    assert reverted == [], "a mined transaction of the signer reverted"
    return sent


class TestProxy:
    """The proxy itself: a fault that is planned is hit and counted, batches included."""

    def test_batch_calls_meet_their_own_faults(self, proxy: RpcFaultProxy) -> None:
        proxy.fail_next("eth_blockNumber", "nonce too low", code=-32003)
        calls = [
            {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []},
            {"jsonrpc": "2.0", "id": 2, "method": "eth_blockNumber", "params": []},
        ]
        request = urllib.request.Request(
            proxy.url, data=json.dumps(calls).encode(), headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            answers = json.loads(response.read())
        assert answers[0] == {"jsonrpc": "2.0", "id": 1, "result": "0x7a69"}
        assert answers[1]["error"] == {"code": -32003, "message": "nonce too low"}
        assert proxy.count("eth_blockNumber", fault="fail") == 1
        assert proxy.count("eth_chainId", fault=None) == 1


class TestSlowRpc:
    def test_slow_answers_slow_neither_writes_nor_readiness_and_anchor_once(
        self, start_rig: Callable[..., Rig]
    ) -> None:
        rig = start_rig(rpc_timeout=10)
        sends = rig.proxy.count(SEND)
        rig.readiness("ok")
        rig.proxy.delay(5.0)
        rig.post(5, max_seconds=2.5)  # a POST that waited on the chain would take 5 s
        started = time.monotonic()
        rig.readiness("ok", deadline_s=0)  # while the watcher waits on slow answers
        assert time.monotonic() - started < 2.5
        # A whole tick with every answer late takes ~20 calls x 5 s (the `faults` run does
        # that). Here only the send is: the node mines it before the worker hears back, and
        # the worker must not take the silence for a lost transaction.
        rig.proxy.clear()
        rig.proxy.delay(5.0, SEND)
        started = time.monotonic()
        assert rig.worker.tick() == 5
        assert time.monotonic() - started >= 5
        assert rig.proxy.count(SEND) - sends == 1
        assert_recovered(rig)


class TestTimeouts:
    def test_a_node_that_never_answers_is_unreachable_then_recovered(
        self, start_rig: Callable[..., Rig]
    ) -> None:
        rig = start_rig(rpc_timeout=1)
        rig.proxy.hang()
        rig.post(3)
        assert rig.worker.tick() == 0
        assert rig.worker.health.state == "unreachable"
        assert "Timeout" in rig.worker.health.message
        assert "Timeout" in rig.readiness("unreachable")
        assert scan(rig.client, rig.batch)["verdict"] == "pending"
        assert rig.proxy.count(fault="hang") >= 2  # the worker's and the watcher's
        rig.proxy.clear()
        rig.settle()
        rig.readiness("ok")
        assert_recovered(rig)

    @pytest.mark.parametrize(
        ("method", "forward", "sends"),
        [(SEND, True, 1), (SEND, False, 2), ("eth_getTransactionReceipt", True, 1)],
        ids=["send-node-took-it", "send-lost-on-the-way", "receipt"],
    )
    def test_a_call_whose_answer_never_comes_anchors_once(
        self, start_rig: Callable[..., Rig], method: str, forward: bool, sends: int
    ) -> None:
        rig = start_rig(rpc_timeout=1)
        sends_before = rig.proxy.count(SEND)
        rig.post(3)
        rig.proxy.hang(method, forward=forward, times=1)
        assert rig.worker.tick() == 0
        assert rig.proxy.count(method, fault="forward_then_hang" if forward else "hang") == 1
        rig.settle()
        # The node had the transaction: reconciling finds the root and sends nothing again.
        # It had not: one more send, with the same nonce.
        assert rig.proxy.count(SEND) - sends_before == sends
        assert_recovered(rig)


NONCE_ERRORS = ["nonce too low", "already known", "replacement transaction underpriced"]


class TestSendErrors:
    @pytest.mark.parametrize("forward", [False, True], ids=["not-forwarded", "forwarded"])
    @pytest.mark.parametrize("message", NONCE_ERRORS)
    def test_an_error_answer_to_the_send_anchors_once_without_a_nonce_gap(
        self, start_rig: Callable[..., Rig], message: str, forward: bool
    ) -> None:
        rig = start_rig()
        rig.post(4)
        if forward:
            rig.proxy.forward_then_fail(SEND, message)
        else:
            rig.proxy.fail_next(SEND, message)
        rig.worker.tick()
        fault: Action = "forward_then_fail" if forward else "fail"
        assert rig.proxy.count(SEND, fault=fault) == 1, "the fault was never hit"
        assert rig.worker.health.state == "ok", rig.worker.health
        rig.settle()
        # The chain answered: that is no outage, and /readyz must not call it one.
        rig.readiness("ok")
        assert_recovered(rig)


class TestOutage:
    def test_a_short_outage_during_ingest_loses_nothing(
        self, start_rig: Callable[..., Rig]
    ) -> None:
        rig = start_rig(rpc_timeout=2)
        rig.post(2)
        rig.proxy.down()
        began = time.monotonic()
        calls_before = len(rig.proxy.log())
        rig.post(5)
        assert rig.worker.tick() == 0
        assert rig.worker.health.state == "unreachable"
        message = rig.readiness("unreachable")
        assert rig.proxy.url in message and "ConnectionError" in message
        assert scan(rig.client, rig.batch)["verdict"] == "pending"
        time.sleep(max(0.0, 3.0 - (time.monotonic() - began)))
        assert len(rig.proxy.log()) == calls_before, "a call got through the outage"
        rig.proxy.up()
        rig.settle()
        rig.readiness("ok")
        assert_recovered(rig)


class Writer(threading.Thread):
    """Posts events to its own batch, one every ``pause`` seconds, until ``until``."""

    def __init__(self, rig: Rig, until: float, pause: float = 0.02) -> None:
        super().__init__(name="writer", daemon=True)
        self.rig, self.until, self.pause = rig, until, pause
        self.batch = make_batch(rig.client, rig.key)
        self.acks: list[tuple[float, int, str]] = []  # (when, record id, digest)
        self.refusals: list[str] = []

    def run(self) -> None:
        url = f"/api/v1/batches/{self.batch['id']}/events"
        while time.monotonic() < self.until:
            try:
                response = self.rig.client.post(
                    url, json=_event(len(self.acks)), headers=auth(self.rig.key)
                )
            except Exception as e:  # a dead writer thread would be silent
                self.refusals.append(repr(e))
                return
            if response.status_code == 201:
                self.acks.append(
                    (time.monotonic(), response.json()["id"], response.json()["digest"])
                )
            else:
                self.refusals.append(f"{response.status_code} {response.text[:200]}")
            time.sleep(self.pause)


def _sleep_until(moment: float) -> None:
    time.sleep(max(0.0, moment - time.monotonic()))


def _unanchored(sessions: SessionFactory, up_to_id: int | None = None) -> int:
    query = select(func.count()).select_from(Record).where(Record.status != RecordStatus.anchored)
    if up_to_id is not None:
        query = query.where(Record.id <= up_to_id)
    with sessions.read() as session:
        return int(session.scalar(query) or 0)


@pytest.mark.faults
class TestLongFaults:
    def test_a_minute_without_the_chain_under_steady_ingest(
        self, start_rig: Callable[..., Rig], capsys: pytest.CaptureFixture[str]
    ) -> None:
        rig = start_rig(rpc_timeout=5)
        rig.post(2)  # the rig's own batch, scanned at the end like the writers'
        rig.readiness("ok")
        stop = threading.Event()
        crashed: list[BaseException] = []

        def work() -> None:
            try:
                rig.worker.run_forever(stop)
            except BaseException as e:  # reported below: a dead worker thread is silent
                crashed.append(e)

        began = time.monotonic()
        writers = [Writer(rig, until=began + 75) for _ in range(2)]
        rig.more_batches += [w.batch for w in writers]
        worker = threading.Thread(target=work, name="worker", daemon=True)
        for thread in [*writers, worker]:
            thread.start()

        _sleep_until(began + 5)
        rig.proxy.down()
        down_at = time.monotonic()
        _sleep_until(began + 35)
        rig.readiness("unreachable", deadline_s=0)
        assert rig.worker.health.state == "unreachable"
        _sleep_until(began + 65)
        backlog_top = max(i for w in writers for _, i, _ in w.acks)
        rig.proxy.up()
        up_at = time.monotonic()
        assert [c for c in rig.proxy.log() if down_at <= c.at < up_at] == []

        while _unanchored(rig.sessions, backlog_top) > 0:
            assert time.monotonic() - up_at < 120, "the backlog did not drain"
            assert not crashed, crashed
            time.sleep(0.1)
        drained_s = time.monotonic() - up_at
        for thread in writers:
            thread.join()
        wrote_until = time.monotonic()
        while _unanchored(rig.sessions) > 0:
            assert time.monotonic() - wrote_until < 120, "new events were not anchored"
            time.sleep(0.1)
        settled_s = time.monotonic() - wrote_until
        stop.set()
        worker.join(timeout=30)
        assert not crashed, crashed

        acks = [a for w in writers for a in w.acks]
        during = sum(1 for t, _, _ in acks if down_at <= t < up_at)
        assert [r for w in writers for r in w.refusals] == []
        assert during > 0
        rig.acked.update({i: digest for _, i, digest in acks})
        assert_recovered(rig)
        with capsys.disabled():
            print(
                f"\n60 s RPC outage: {len(acks)} events acknowledged in"
                f" {wrote_until - began:.0f} s, {during} of them during the outage;"
                f" the backlog was anchored {drained_s:.1f} s after the RPC came back,"
                f" the last events {settled_s:.1f} s after the writers stopped"
            )

    def test_every_answer_five_seconds_late_for_a_whole_tick(
        self, start_rig: Callable[..., Rig], capsys: pytest.CaptureFixture[str]
    ) -> None:
        rig = start_rig(rpc_timeout=10)
        sends = rig.proxy.count(SEND)
        rig.post(5)
        rig.readiness("ok")
        rig.proxy.delay(5.0)
        calls_before = len(rig.proxy.log())
        started = time.monotonic()
        assert rig.worker.tick() == 5
        took = time.monotonic() - started
        assert rig.worker.health.state == "ok"
        assert rig.proxy.count(SEND) - sends == 1
        rig.readiness("ok", deadline_s=0)
        calls = len(rig.proxy.log()) - calls_before
        rig.proxy.clear()
        assert_recovered(rig)
        with capsys.disabled():
            print(
                f"\nevery answer 5 s late: one tick took {took:.0f} s"
                f" ({calls} calls through the proxy meanwhile, the app's chain watcher's included)"
            )
