"""`make run`: a local Hardhat chain on 127.0.0.1:8545 (unless one answers there), then serve.

The Hardhat chain keeps its state in memory. When this script starts a fresh chain and the
database already holds records from an earlier run, it re-anchors them to a new contract first
(`lotproof chain reanchor`), so the consumer pages verify again.
"""

from __future__ import annotations

import json
import os
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


def main() -> None:
    env = os.environ.copy()
    env.setdefault("LOTPROOF_ENV", "dev")
    env.setdefault("LOTPROOF_RPC_URL", RPC_URL)
    lotproof = [sys.executable, "-m", "service.cli"]
    chain = None if chain_answers() else start_chain()
    try:
        if chain is not None and (ROOT / "var" / "lotproof.db").exists():
            print("fresh chain, existing database: re-anchoring stored records", flush=True)
            subprocess.run([*lotproof, "chain", "reanchor"], env=env, check=True, cwd=ROOT)
        subprocess.run([*lotproof, "serve", *sys.argv[1:]], env=env, cwd=ROOT, check=False)
    except KeyboardInterrupt:
        pass
    finally:
        if chain is not None:
            chain.terminate()
            chain.wait(timeout=30)


if __name__ == "__main__":
    main()
