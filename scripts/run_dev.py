"""`make run`: a local Hardhat chain on 127.0.0.1:8545 (unless one answers there), then serve.

The Hardhat chain keeps its state in memory. When this script starts a fresh chain and the
database already holds records from an earlier run, it re-anchors them to a new contract first
(`lotproof chain reanchor`), so the consumer pages verify again.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RPC_PORT = 8545
RPC_URL = f"http://127.0.0.1:{RPC_PORT}"


def chain_answers() -> bool:
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []})
    request = urllib.request.Request(
        RPC_URL, data=body.encode(), headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=1) as response:
            return "result" in json.loads(response.read())
    except OSError:
        return False


def start_chain() -> subprocess.Popen[bytes]:
    (ROOT / "var").mkdir(exist_ok=True)
    log = (ROOT / "var" / "hardhat.log").open("wb")
    process = subprocess.Popen(
        ["npx", "hardhat", "node", "--hostname", "127.0.0.1", "--port", str(RPC_PORT)],
        cwd=ROOT / "hardhat-local",
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while not chain_answers():
        if process.poll() is not None or time.monotonic() > deadline:
            sys.exit(f"the Hardhat node did not start; see {ROOT / 'var' / 'hardhat.log'}")
        time.sleep(0.3)
    print(f"local chain: Hardhat node on {RPC_URL} (log: var/hardhat.log)", flush=True)
    return process


def stop(process: subprocess.Popen[bytes], *, group: bool) -> None:
    if process.poll() is not None:
        return
    if group:  # npx starts node as a child: signal the whole session
        os.killpg(process.pid, signal.SIGTERM)
    else:
        process.terminate()
    process.wait(timeout=30)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    # Ctrl-C and `kill` both shut down the server and the chain we started (a background job
    # may have inherited SIGINT as ignored, hence the explicit handlers).
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    env = os.environ.copy()
    env.setdefault("LOTPROOF_ENV", "dev")
    env.setdefault("LOTPROOF_RPC_URL", RPC_URL)
    lotproof = [sys.executable, "-m", "service.cli"]
    chain = None if chain_answers() else start_chain()
    server = None
    try:
        if chain is not None and (ROOT / "var" / "lotproof.db").exists():
            print("fresh chain, existing database: re-anchoring stored records", flush=True)
            subprocess.run([*lotproof, "chain", "reanchor"], env=env, check=True, cwd=ROOT)
        server = subprocess.Popen([*lotproof, "serve", *sys.argv[1:]], env=env, cwd=ROOT)
        server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        if server is not None:
            stop(server, group=False)
        if chain is not None:
            stop(chain, group=True)


if __name__ == "__main__":
    main()
