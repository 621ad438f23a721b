"""The stack under measurement: Hardhat, TraceAnchor, and the service as its own processes.

Production layout, as the README's "Operating it" describes: ``LOTPROOF_ENV=prod`` (so the
public Hardhat key is refused; a fresh key is generated, funded and made the contract's
anchorer), ``lotproof serve --workers N --no-access-log`` with ``LOTPROOF_RUN_WORKER=false``,
and one ``lotproof worker`` process. The service reaches the chain through a counting proxy.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil
from eth_account import Account
from web3 import Web3

from scripts.benchkit.rpcproxy import CountingRpcProxy
from service.config import Settings
from service.db import migrate
from service.db.engine import SessionFactory, make_engine
from service.db.models import OrgRole
from service.orgs.service import create_org
from tests.support.hardhat import HARDHAT_KEY_0, HardhatNode, deploy_trace_anchor

REPO_ROOT = Path(__file__).resolve().parents[2]
LOTPROOF = str(Path(sys.executable).with_name("lotproof"))


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Chain:
    """A Hardhat node with TraceAnchor deployed and a funded, fresh anchoring key."""

    node: HardhatNode
    w3: Web3
    contract_address: str
    anchor_key: str
    proxy: CountingRpcProxy


@contextlib.contextmanager
def chain(workdir: Path) -> Iterator[Chain]:
    with HardhatNode(log_path=workdir / "hardhat.log") as node:
        w3 = Web3(Web3.HTTPProvider(node.url, request_kwargs={"timeout": 60}))
        funder = Account.from_key(HARDHAT_KEY_0)
        anchorer = Account.create()
        tx_hash = w3.eth.send_transaction(
            {"from": funder.address, "to": anchorer.address, "value": w3.to_wei(1000, "ether")}
        )
        w3.eth.wait_for_transaction_receipt(tx_hash)
        contract = deploy_trace_anchor(w3, funder, anchorer.address)
        proxy = CountingRpcProxy(node.url).start()
        try:
            yield Chain(node, w3, contract.address, anchorer.key.hex(), proxy)
        finally:
            proxy.stop()


class MemoryWatch:
    """Peak resident memory of a process tree, sampled every 100 ms in a thread."""

    def __init__(self, pid: int) -> None:
        self.root = psutil.Process(pid)
        self.peak_bytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _rss(self) -> int:
        total = 0
        for process in [self.root, *self.root.children(recursive=True)]:
            with contextlib.suppress(psutil.Error):
                total += process.memory_info().rss
        return total

    def _watch(self) -> None:
        while not self._stop.wait(0.1):
            with contextlib.suppress(psutil.Error):
                self.peak_bytes = max(self.peak_bytes, self._rss())

    def reset(self) -> None:
        self.peak_bytes = self._rss()

    def start(self) -> MemoryWatch:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)


@dataclass
class Service:
    base_url: str
    database_url: str
    settings: Settings
    sessions: SessionFactory
    memory: MemoryWatch
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def new_org(self, role: OrgRole, name: str) -> tuple[str, str, int]:
        """(slug, API key, id) of a new organisation, made directly in the database."""
        with self.sessions.write() as session, session.begin():
            created = create_org(session, name=name, role=role)
        return created.slug, created.api_key, created.id


def _environment(
    chain: Chain, database_url: str, port: int, workdir: Path, extra: dict[str, str]
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOTPROOF_")}
    env |= {
        "LOTPROOF_ENV": "prod",
        "LOTPROOF_DATABASE_URL": database_url,
        "LOTPROOF_RPC_URL": chain.proxy.url,
        "LOTPROOF_CHAIN_ID": "31337",
        "LOTPROOF_CONTRACT_ADDRESS": chain.contract_address,
        "LOTPROOF_ANCHOR_KEY": chain.anchor_key,
        "LOTPROOF_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "LOTPROOF_RUN_WORKER": "false",
        "LOTPROOF_FILES_DIR": str(workdir / "files"),
        # The benchmark measures capacity, from one client address with one key: limits far
        # above it, so that the rate-limit middleware still does its work on every request.
        "LOTPROOF_RATE_LIMIT_PER_KEY": "1000000/second",
        "LOTPROOF_RATE_LIMIT_PER_SOURCE": "1000000/second",
    }
    return env | extra


@contextlib.contextmanager
def service(
    chain: Chain,
    database_url: str,
    workdir: Path,
    *,
    http_workers: int = 1,
    anchor_interval: float = 1.0,
    extra_env: dict[str, str] | None = None,
) -> Iterator[Service]:
    """``lotproof serve`` and ``lotproof worker`` as processes; yields once /readyz answers."""
    port = free_port()
    env = _environment(
        chain,
        database_url,
        port,
        workdir,
        {"LOTPROOF_ANCHOR_INTERVAL": str(anchor_interval)} | (extra_env or {}),
    )
    engine = make_engine(database_url)
    migrate.upgrade(engine)  # once, before several processes would race to do it
    settings = Settings(database_url=database_url)
    logs = open(workdir / "service.log", "ab")  # noqa: SIM115 - closed in finally
    serve_cmd = [LOTPROOF, "serve", "--port", str(port), "--workers", str(http_workers)]
    processes = [
        subprocess.Popen([LOTPROOF, "worker"], env=env, stdout=logs, stderr=logs),
        subprocess.Popen([*serve_cmd, "--no-access-log"], env=env, stdout=logs, stderr=logs),
    ]
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base_url, processes, workdir)
        memory = MemoryWatch(processes[1].pid).start()
        yield Service(base_url, database_url, settings, SessionFactory(engine), memory, processes)
        memory.stop()
    finally:
        for process in processes:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        logs.close()
        engine.dispose()


def _wait_ready(base_url: str, processes: list[subprocess.Popen[bytes]], workdir: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in processes):
            break
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base_url}/readyz", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    log = (workdir / "service.log").read_text(errors="replace")[-3000:]
    raise RuntimeError(f"the service at {base_url} did not become ready; log tail:\n{log}")


def pending_records(svc: Service) -> int:
    from sqlalchemy import func, select

    from service.db.models import Record, RecordStatus

    with svc.sessions.read() as session:
        pending = Record.status == RecordStatus.pending
        return int(session.scalar(select(func.count()).select_from(Record).where(pending)) or 0)


def wait_anchored(svc: Service, timeout: float = 600) -> float:
    """Seconds until no record is pending (raises after ``timeout``)."""
    started = time.monotonic()
    while pending_records(svc):
        if time.monotonic() - started > timeout:
            raise RuntimeError(f"records still pending after {timeout:.0f} s")
        time.sleep(0.2)
    return time.monotonic() - started
