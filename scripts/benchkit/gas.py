"""Anchoring cost against the two common peer patterns, on one chain in one run.

TraceAnchor gets real ``anchor(root, leafCount)`` transactions for trees of 1 to 4,096 random
digests built with ``service.merkle``; the two baselines of ``contracts/bench/`` get one
transaction per event with realistic values. Every figure is the ``gasUsed`` of a receipt on the
same Hardhat node, so hardfork, compiler and node are the same for all three.

Run alone (from the repo root): ``.venv/bin/python -m scripts.benchkit.gas [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.contract import Contract
from web3.types import TxReceipt

from scripts.benchkit.report import Row, table
from scripts.benchkit.stack import Chain, chain
from service.merkle import build_tree
from tests.support.hardhat import HARDHAT_KEY_0, deploy_trace_anchor, load_artifact, send

REPO_ROOT = Path(__file__).resolve().parents[2]
BENCH_BUILD = REPO_ROOT / "contracts" / "build" / "bench"

SECTION = "anchoring gas"
LEAF_COUNTS = (1, 16, 256, 1024, 4096)
# Anchor gas varies only with the zero bytes of the random root (4 instead of 16 gas each), so
# a few anchors per size are plenty; they are cheap, and quick mode keeps them all.
ANCHORS_PER_SIZE = 3
EVENTS = 20
QUICK_EVENTS = 5

# The targets: gas per event at a leaf count, and times cheaper than each baseline.
MAX_GAS_PER_EVENT = {1024: 75.0, 4096: 20.0}
MIN_RATIO = {"hash_per_event": 600.0, "event_struct_per_event": 2500.0}
BASELINE_NAMES = {
    "hash_per_event": "one hash per event per tx",
    "event_struct_per_event": "event struct with strings per tx",
}
RATIO_LEAF_COUNTS = (1024, 4096)

# Realistic values for the struct baseline, cycled per event. A batch gets the five event types
# in order, as in the demo, so one event in five pays for a new per-batch array, as in real use.
GTINS = ("09506000134352", "09506000117843", "04012345000016")  # 14 characters
LOCATIONS = (
    "Hangzhou plant 2, line 3",  # 24 characters
    "QC lab, Hangzhou plant 2",
    "Packing hall B, Hangzhou",
    "Ningbo port, terminal 4",
    "Rotterdam DC, dock 17-B",
)
ACTORS = ("acme-farms-2", "acme-farms-2", "acme-farms-2", "northwind-lg", "dutch-retail")
# The details as JSON text, like the ingest benchmark's ({"line": ..., "seq": n}): 21-25 bytes,
# so one storage slot (a string under 32 bytes is stored in place).
EVENT_TYPES = ("production", "inspection", "packing", "shipping", "receiving")
FIRST_EVENT_TIME = 1_793_584_800  # 2026-11-02 08:00 +08:00, an hour apart per event


@dataclass(frozen=True)
class TraceEventInput:
    """One event as the struct baseline takes it."""

    gtin: str
    lot: str
    event_type: str
    location: str
    actor: str
    details: str
    timestamp: int

    def args(self) -> tuple[str, str, str, str, str, str, int]:
        return (
            self.gtin,
            self.lot,
            self.event_type,
            self.location,
            self.actor,
            self.details,
            self.timestamp,
        )


def sample_events(count: int) -> list[TraceEventInput]:
    """`count` realistic events, five per batch (GTIN 14, lot 10, location ~24, actor 12,
    details ~21)."""
    events = []
    for i in range(count):
        batch, step = divmod(i, len(EVENT_TYPES))
        events.append(
            TraceEventInput(
                gtin=GTINS[batch % len(GTINS)],
                lot=f"L2026-{batch + 1:04d}",
                event_type=EVENT_TYPES[step],
                location=LOCATIONS[step],
                actor=ACTORS[step],
                details=json.dumps({"line": f"L{step + 1}", "seq": i}, separators=(",", ":")),
                timestamp=FIRST_EVENT_TIME + 3600 * i,
            )
        )
    return events


def load_bench_artifact(name: str) -> dict[str, Any]:
    artifact: dict[str, Any] = json.loads((BENCH_BUILD / f"{name}.json").read_text("utf-8"))
    return artifact


def deploy_baseline(w3: Web3, deployer: LocalAccount, name: str, owner: str) -> Contract:
    """Deploy ``contracts/build/bench/<name>.json`` with ``owner`` as its only recorder."""
    artifact = load_bench_artifact(name)
    factory = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
    tx = factory.constructor(Web3.to_checksum_address(owner)).build_transaction(
        {
            "from": deployer.address,
            "nonce": w3.eth.get_transaction_count(deployer.address, "pending"),
            "chainId": w3.eth.chain_id,
        }
    )
    signed = deployer.sign_transaction(cast(dict[str, Any], tx))
    receipt = w3.eth.wait_for_transaction_receipt(
        w3.eth.send_raw_transaction(signed.raw_transaction), timeout=30
    )
    address = receipt["contractAddress"]
    if receipt["status"] != 1 or address is None:
        raise RuntimeError(f"{name} deployment failed")
    return w3.eth.contract(address=address, abi=artifact["abi"])


def _tx(receipt: TxReceipt, **extra: Any) -> dict[str, Any]:
    return {
        "gas": int(receipt["gasUsed"]),
        "tx": receipt["transactionHash"].to_0x_hex(),
        "block": int(receipt["blockNumber"]),
    } | extra


def _anchor(w3: Web3, contract: Contract, anchorer: LocalAccount, leaves: int) -> dict[str, Any]:
    """Anchor the root of a fresh tree of ``leaves`` random digests; the receipt's facts."""
    tree = build_tree([os.urandom(32) for _ in range(leaves)])
    receipt = send(w3, anchorer, contract.functions.anchor(tree.root, leaves))
    return _tx(receipt, leaves=leaves, root="0x" + tree.root.hex())


def _measure_anchors(w3: Web3, chain_: Chain) -> dict[str, Any]:
    anchorer: LocalAccount = Account.from_key(chain_.anchor_key)
    address = Web3.to_checksum_address(chain_.contract_address)
    trace_anchor = w3.eth.contract(address=address, abi=load_artifact()["abi"])
    # The very first anchor of a contract also turns the roots array's length slot from zero to
    # non-zero (20,000 gas instead of 2,900). That happens once per deployment, so it is shown
    # apart, measured on a contract of its own to leave the chain's contract as it is.
    fresh = deploy_trace_anchor(w3, Account.from_key(HARDHAT_KEY_0), anchorer.address)
    first = _anchor(w3, fresh, anchorer, 1) | {"contract": fresh.address}
    warmup = None
    if trace_anchor.functions.anchorCount().call() == 0:
        warmup = _anchor(w3, trace_anchor, anchorer, 1)
    anchors = [
        _anchor(w3, trace_anchor, anchorer, leaves)
        for leaves in LEAF_COUNTS
        for _ in range(ANCHORS_PER_SIZE)
    ]
    return {
        "contract": chain_.contract_address,
        "anchorer": anchorer.address,
        "first_anchor": first,
        "warmup_anchor": warmup,
        "anchors": anchors,
    }


def _measure_baselines(w3: Web3, events: int) -> dict[str, Any]:
    # A dev chain: Hardhat's well-known account #0 deploys the baselines and is their owner.
    owner: LocalAccount = Account.from_key(HARDHAT_KEY_0)
    hashes = deploy_baseline(w3, owner, "HashPerEvent", owner.address)
    structs = deploy_baseline(w3, owner, "EventStructPerEvent", owner.address)
    hash_txs = []
    for _ in range(events):
        digest = os.urandom(32)  # a record digest is a sha256, as random as this
        receipt = send(w3, owner, hashes.functions.record(digest))
        hash_txs.append(_tx(receipt, hash="0x" + digest.hex()))
    struct_txs = []
    for event in sample_events(events):
        receipt = send(w3, owner, structs.functions.recordEvent(event.args()))
        struct_txs.append(_tx(receipt, event=event.__dict__))
    return {
        "hash_per_event": {"contract": hashes.address, "txs": hash_txs},
        "event_struct_per_event": {"contract": structs.address, "txs": struct_txs},
    }


def _mean_gas(txs: list[dict[str, Any]]) -> float:
    return statistics.fmean(t["gas"] for t in txs)


def _leaves(count: int) -> str:
    return f"{count:,} leaf" if count == 1 else f"{count:,} leaves"


def _anchor_rows(anchors: list[dict[str, Any]]) -> tuple[list[Row], dict[int, float]]:
    rows: list[Row] = []
    per_event: dict[int, float] = {}
    for leaves in LEAF_COUNTS:
        gas = _mean_gas([a for a in anchors if a["leaves"] == leaves])
        per_event[leaves] = gas / leaves
        rows.append(Row(SECTION, f"TraceAnchor: gas per anchor, {_leaves(leaves)}", gas, "gas"))
        limit = MAX_GAS_PER_EVENT.get(leaves)
        rows.append(
            Row(
                SECTION,
                f"TraceAnchor: gas per event, {_leaves(leaves)}",
                per_event[leaves],
                "gas/event",
                target=None if limit is None else f"<= {limit:g}",
                met=None if limit is None else per_event[leaves] <= limit,
            )
        )
    return rows, per_event


def _baseline_rows(
    baselines: dict[str, Any], per_event: dict[int, float]
) -> tuple[list[Row], dict[str, Any]]:
    rows: list[Row] = []
    ratios: dict[str, Any] = {}
    for key, name in BASELINE_NAMES.items():
        mean = _mean_gas(baselines[key]["txs"])
        rows.append(Row(SECTION, f"baseline: {name}", mean, "gas/event"))
        for leaves in RATIO_LEAF_COUNTS:
            ratio = mean / per_event[leaves]
            ratios[f"{key}@{leaves}"] = ratio
            rows.append(
                Row(
                    SECTION,
                    f"vs {name}, {_leaves(leaves)}",
                    per_event[leaves],
                    "gas/event",
                    baseline=mean,
                    ratio=ratio,
                    target=f">= {MIN_RATIO[key]:,.0f}x",
                    met=ratio >= MIN_RATIO[key],
                )
            )
    return rows, ratios


def _chain_facts(w3: Web3) -> dict[str, Any]:
    # Gas rules depend on the hardfork, which Hardhat does not report over RPC; the newest
    # header field it fills tells it (EIP-7685 requestsHash: Prague; EIP-4788: Cancun).
    header = w3.eth.get_block("latest")
    hardfork = "prague or later" if "requestsHash" in header else "cancun or earlier"
    return {"client": w3.client_version, "chain_id": w3.eth.chain_id, "hardfork": hardfork}


def measure(chain: Chain, quick: bool) -> tuple[list[Row], dict[str, Any]]:
    """Gas per anchor and per event at each leaf count, the two baselines, and the ratios."""
    w3 = chain.w3
    anchoring = _measure_anchors(w3, chain)
    baselines = _measure_baselines(w3, QUICK_EVENTS if quick else EVENTS)
    anchor_rows, per_event = _anchor_rows(anchoring["anchors"])
    baseline_rows, ratios = _baseline_rows(baselines, per_event)
    warm_single = _mean_gas([a for a in anchoring["anchors"] if a["leaves"] == 1])
    anchoring["first_anchor"]["extra_over_warm"] = anchoring["first_anchor"]["gas"] - warm_single
    details = {
        "chain": _chain_facts(w3),
        "trace_anchor": anchoring,
        "baselines": baselines,
        "gas_per_event": {str(k): v for k, v in per_event.items()},
        "ratios": ratios,
    }
    return anchor_rows + baseline_rows, details


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_EVENTS} baseline events")
    parser.add_argument("--details", action="store_true", help="also print the raw details")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="lotproof-gas-") as workdir, chain(Path(workdir)) as c:
        rows, details = measure(c, args.quick)
    print(table(rows))
    first = details["trace_anchor"]["first_anchor"]
    print(f"\nfirst anchor of a contract: {first['gas']:,} gas (+{first['extra_over_warm']:,.0f})")
    if args.details:
        print(json.dumps(details, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
