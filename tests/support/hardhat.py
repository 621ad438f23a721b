"""A real Hardhat node for tests, and helpers to deploy and call TraceAnchor with web3.

`HardhatNode` runs ``npx hardhat node`` from ``hardhat-local/`` on a free port of 127.0.0.1 in
its own process group, so that stopping it also stops npx's children. The chain lives in
memory: every node starts from the same genesis with the well-known Hardhat dev accounts.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any, Self, cast

from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.types import TxReceipt

REPO_ROOT = Path(__file__).resolve().parents[2]
HARDHAT_DIR = REPO_ROOT / "hardhat-local"
ARTIFACT = REPO_ROOT / "contracts" / "build" / "TraceAnchor.json"

HARDHAT_CHAIN_ID = 31337
# Hardhat's default dev accounts #0 and #1 (public knowledge; worthless outside dev chains).
HARDHAT_KEY_0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
HARDHAT_KEY_1 = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _rpc(url: str, method: str, timeout: float = 2.0) -> Any:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": []}).encode()
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())["result"]


class HardhatNode:
    """``npx hardhat node --hostname 127.0.0.1 --port P`` as a context manager."""

    def __init__(
        self,
        port: int | None = None,
        *,
        timeout: float = 60.0,
        log_path: Path | None = None,
        hardhat_dir: Path = HARDHAT_DIR,
    ) -> None:
        self.port = port
        self.timeout = timeout
        self.log_path = log_path
        self.hardhat_dir = hardhat_dir
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        if self.port is None:
            raise RuntimeError("HardhatNode is not started")
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 40) -> str:
        if self.log_path is None or not self.log_path.exists():
            return "(no log)"
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def start(self) -> Self:
        if self._process is not None:
            raise RuntimeError("HardhatNode is already started")
        if not (self.hardhat_dir / "node_modules" / ".bin" / "hardhat").exists():
            raise RuntimeError(f"Hardhat is not installed: run `npm ci` in {self.hardhat_dir}")
        if self.port is None:
            self.port = _free_port()
        if self.log_path is None:
            fd, name = tempfile.mkstemp(prefix=f"hardhat-{self.port}-", suffix=".log")
            os.close(fd)
            self.log_path = Path(name)
        env = {
            **os.environ,
            # Never prompt or phone home: no TTY, CI mode, telemetry prompt off.
            "CI": "true",
            "HARDHAT_DISABLE_TELEMETRY_PROMPT": "true",
            "NO_COLOR": "1",
        }
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen(
                ["npx", "hardhat", "node", "--hostname", "127.0.0.1", "--port", str(self.port)],
                cwd=self.hardhat_dir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )
        deadline = time.monotonic() + self.timeout
        while True:
            if self._process.poll() is not None:
                code = self._process.returncode
                self._process = None
                raise RuntimeError(
                    f"hardhat node exited with code {code} before answering;"
                    f" log {self.log_path}:\n{self.log_tail()}"
                )
            try:
                chain_id = int(_rpc(self.url, "eth_chainId"), 16)
            except (OSError, urllib.error.URLError, ValueError, KeyError):
                chain_id = None
            if chain_id is not None:
                if chain_id != HARDHAT_CHAIN_ID:
                    self.stop()
                    raise RuntimeError(f"hardhat node answered chain id {chain_id}")
                return self
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(
                    f"hardhat node did not answer eth_chainId within {self.timeout:.0f} s;"
                    f" log {self.log_path}:\n{self.log_tail()}"
                )
            time.sleep(0.2)

    def stop(self) -> None:
        """Terminate the whole process group (npx, sh, node) and wait until it is gone."""
        process, self._process = self._process, None
        if process is None:
            return
        pgid = process.pid  # start_new_session: the leader's pid is the group id
        for sig, grace in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
            try:
                os.killpg(pgid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + grace
            while time.monotonic() < deadline and _group_alive(pgid):
                process.poll()  # reap the leader so that it does not linger as a zombie
                time.sleep(0.05)
            if not _group_alive(pgid):
                break
        process.wait(timeout=5.0)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def load_artifact() -> dict[str, Any]:
    artifact: dict[str, Any] = json.loads(ARTIFACT.read_text(encoding="utf-8"))
    return artifact


def send(w3: Web3, sender: LocalAccount, call: ContractFunction) -> TxReceipt:
    """Sign `call` with `sender`'s key, send it and wait for its receipt (raises on revert)."""
    tx = call.build_transaction(
        {
            "from": sender.address,
            "nonce": w3.eth.get_transaction_count(sender.address, "pending"),
            "chainId": w3.eth.chain_id,
        }
    )
    signed = sender.sign_transaction(cast(dict[str, Any], tx))
    tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30)
    if receipt["status"] != 1:
        raise RuntimeError(f"transaction {tx_hash.hex()} reverted")
    return receipt


def deploy_trace_anchor(w3: Web3, deployer: LocalAccount, admin: str) -> Contract:
    """Deploy contracts/build/TraceAnchor.json with `admin` as admin and anchorer."""
    artifact = load_artifact()
    factory = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
    tx = factory.constructor(Web3.to_checksum_address(admin)).build_transaction(
        {
            "from": deployer.address,
            "nonce": w3.eth.get_transaction_count(deployer.address, "pending"),
            "chainId": w3.eth.chain_id,
        }
    )
    signed = deployer.sign_transaction(cast(dict[str, Any], tx))
    tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
    receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30)
    address = receipt["contractAddress"]
    if receipt["status"] != 1 or address is None:
        raise RuntimeError(f"TraceAnchor deployment {tx_hash.hex()} failed")
    return w3.eth.contract(address=address, abi=artifact["abi"])
