"""The independent verifier, run as its own process on bundles from the real service.

Every way an operator could doctor a bundle must be caught by `scripts/verify_bundle.py` with
nothing but the file and an RPC URL.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.anchoring.worker import AnchoringWorker
from service.db.engine import SessionFactory
from service.db.models import OrgRole
from service.hashing import digest_to_hex, record_digest
from service.merkle import build_tree
from tests.builders import auth, event_body, make_batch, make_org, post_event
from tests.support.hardhat import HardhatNode

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "verify_bundle.py"
Bundle = dict[str, Any]


def run_verifier(path: Path, rpc: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), str(path), "--rpc", rpc],
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def anchored_bundle(
    client: TestClient, sessions: SessionFactory, worker: AnchoringWorker, database_url: str
) -> Bundle:
    if "postgresql" in database_url:
        pytest.skip("the verifier reads a file and the chain: one storage backend is enough")
    _, key = make_org(sessions)
    _, inspector = make_org(sessions, OrgRole.inspector)
    batch = make_batch(client, key)
    for i, kind in enumerate(["production", "inspection", "packing", "storage"]):
        post_event(client, key, batch["id"], event_body(kind, hours=i, step=i))
    worker.tick()
    response = client.get(f"/api/v1/batches/{batch['id']}/audit/bundle", headers=auth(inspector))
    bundle: Bundle = response.json()
    assert len(bundle["anchors"]) >= 1
    return bundle


def _rehash(entry: dict[str, Any]) -> None:
    entry["digest"] = digest_to_hex(record_digest(entry["record"]))


def change_event_field(b: Bundle) -> None:
    b["records"][1]["record"]["event"]["lp:location"] = "Somewhere nicer"
    _rehash(b["records"][1])


def change_salt(b: Bundle) -> None:
    b["records"][2]["record"]["salt"] = "0x" + "00" * 32
    _rehash(b["records"][2])


def delete_record(b: Bundle) -> None:
    del b["records"][2]


def swap_records(b: Bundle) -> None:
    b["records"][1], b["records"][2] = b["records"][2], b["records"][1]


def proof_of_another_record(b: Bundle) -> None:
    b["records"][0]["proof"] = b["records"][1]["proof"]


def root_never_anchored(b: Bundle) -> None:
    """A self-consistent forgery: altered records, a fresh tree, its root and proofs."""
    b["records"][0]["record"]["event"]["lp:location"] = "Forged plant"
    _rehash(b["records"][0])
    index = b["records"][0]["anchor_index"]
    members = [e for e in b["records"] if e["anchor_index"] == index]
    tree = build_tree([bytes.fromhex(e["digest"][2:]) for e in members])
    for position, entry in enumerate(members):
        entry["proof"] = [digest_to_hex(p) for p in tree.proof(position)]
    for anchor in b["anchors"]:
        if anchor["index"] == index:
            anchor["root"], anchor["leaf_count"] = digest_to_hex(tree.root), len(members)


def lying_leaf_count(b: Bundle) -> None:
    b["anchors"][0]["leaf_count"] += 1


def other_chain_id(b: Bundle) -> None:
    b["chain_id"] = 1


TAMPERINGS: dict[str, Callable[[Bundle], None]] = {
    "changed event field": change_event_field,
    "changed salt": change_salt,
    "deleted record": delete_record,
    "two records swapped": swap_records,
    "proof from another record": proof_of_another_record,
    "root never anchored": root_never_anchored,
    "leaf count that lies": lying_leaf_count,
    "bundle from another chain": other_chain_id,
}


class TestVerifier:
    def test_clean_bundle_verifies(
        self, anchored_bundle: Bundle, hardhat_node: HardhatNode, tmp_path: Path
    ) -> None:
        path = tmp_path / "bundle.json"
        path.write_text(json.dumps(anchored_bundle))
        result = run_verifier(path, hardhat_node.url)
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.count("verified") >= 4

    @pytest.mark.parametrize("tampering", list(TAMPERINGS), ids=lambda name: name.replace(" ", "-"))
    def test_every_tampering_is_caught(
        self, anchored_bundle: Bundle, hardhat_node: HardhatNode, tmp_path: Path, tampering: str
    ) -> None:
        doctored = copy.deepcopy(anchored_bundle)
        TAMPERINGS[tampering](doctored)
        path = tmp_path / "doctored.json"
        path.write_text(json.dumps(doctored))
        result = run_verifier(path, hardhat_node.url)
        assert result.returncode == 1, f"{tampering} not caught:\n{result.stdout}{result.stderr}"
        assert "Traceback" not in result.stderr

    def test_an_altered_record_is_the_only_one_accused(
        self, anchored_bundle: Bundle, hardhat_node: HardhatNode, tmp_path: Path
    ) -> None:
        """Its successor's prev still names the original digest: a chain break, not tampering."""
        doctored = copy.deepcopy(anchored_bundle)
        change_event_field(doctored)
        path = tmp_path / "doctored.json"
        path.write_text(json.dumps(doctored))
        result = run_verifier(path, hardhat_node.url)
        assert result.returncode == 1, result.stdout + result.stderr
        summary = result.stdout.strip().splitlines()[-1]
        assert summary.startswith("TAMPERED") and summary.endswith(", 1 tampered)"), summary
        assert "problem: chain broken between n=1 and n=2" in result.stdout

    def test_a_corrected_record_verifies_and_is_reported_as_corrected(
        self,
        client: TestClient,
        sessions: SessionFactory,
        worker: AnchoringWorker,
        hardhat_node: HardhatNode,
        tmp_path: Path,
        database_url: str,
    ) -> None:
        """An error declaration (docs/design.md §2.10) from the real service: the declared
        record is verified and reported corrected, not tampered."""
        if "postgresql" in database_url:
            pytest.skip("one storage backend is enough")
        _, key = make_org(sessions)
        batch = make_batch(client, key)
        wrong = post_event(client, key, batch["id"], event_body("storage", hours=1))["n"]
        right = post_event(client, key, batch["id"], event_body("storage", hours=2))["n"]
        url = f"/api/v1/batches/{batch['id']}/records/{wrong}/error-declaration"
        body = {"reason": "incorrect_data", "corrective_n": [right]}
        declared = client.post(url, json=body, headers=auth(key))
        assert declared.status_code == 201, declared.text
        worker.tick()
        bundle = client.get(f"/api/v1/batches/{batch['id']}/audit/bundle", headers=auth(key))
        path = tmp_path / "corrected.json"
        path.write_text(bundle.text)
        result = run_verifier(path, hardhat_node.url)
        assert result.returncode == 0, result.stdout + result.stderr
        lines = result.stdout.splitlines()
        rows = {int(line.split()[0]): line for line in lines if line[:1].isdigit()}
        n = declared.json()["n"]
        assert "verified" in rows[wrong] and "corrected: declared erroneous" in rows[wrong]
        assert f"by n={n}; corrective: n={right}" in rows[wrong]
        assert f"corrects n={wrong}" in rows[right]
        assert "error_declaration" in rows[n]
        assert "1 declared erroneous" in result.stdout.strip().splitlines()[-1]

    def test_unreadable_file_is_a_usage_error(self, tmp_path: Path) -> None:
        result = run_verifier(tmp_path / "missing.json", "http://127.0.0.1:9")
        assert result.returncode == 4, result.stdout + result.stderr
        assert "cannot read" in result.stderr and "Traceback" not in result.stderr

    def test_truncated_file(
        self, anchored_bundle: Bundle, hardhat_node: HardhatNode, tmp_path: Path
    ) -> None:
        path = tmp_path / "cut.json"
        path.write_text(json.dumps(anchored_bundle)[:-200])
        result = run_verifier(path, hardhat_node.url)
        assert result.returncode == 1 and "Traceback" not in result.stderr

    def test_unreachable_chain(self, anchored_bundle: Bundle, tmp_path: Path) -> None:
        path = tmp_path / "bundle.json"
        path.write_text(json.dumps(anchored_bundle))
        assert run_verifier(path, "http://127.0.0.1:9").returncode == 3

    def test_bundle_before_anchoring_is_pending(
        self,
        client: TestClient,
        sessions: SessionFactory,
        hardhat_node: HardhatNode,
        tmp_path: Path,
        database_url: str,
    ) -> None:
        if "postgresql" in database_url:
            pytest.skip("one storage backend is enough")
        _, key = make_org(sessions)
        batch = make_batch(client, key)
        post_event(client, key, batch["id"], event_body("production"))
        bundle = client.get(f"/api/v1/batches/{batch['id']}/audit/bundle", headers=auth(key)).json()
        path = tmp_path / "early.json"
        path.write_text(json.dumps(bundle))
        result = run_verifier(path, hardhat_node.url)
        assert result.returncode == 2, result.stdout
        assert "pending" in result.stdout
