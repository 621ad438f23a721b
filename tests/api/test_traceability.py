"""End to end through the HTTP API, the anchoring worker and a real Hardhat chain."""

from __future__ import annotations

import hashlib
import json
import time

from fastapi.testclient import TestClient
from sqlalchemy import select, text

from service.anchoring.worker import AnchoringWorker
from service.app import create_app
from service.config import Settings
from service.db.engine import SessionFactory
from service.db.models import Anchor, Record
from service.hashing import digest_from_hex
from service.merkle import verify_proof
from tests.builders import event_body, make_batch, make_org, post_event, scan
from tests.support.proxy import TcpProxy


def _record_five_events(client: TestClient, key: str, batch_id: int) -> list[dict[str, object]]:
    types = ["production", "inspection", "packing", "storage", "packing"]
    return [post_event(client, key, batch_id, event_body(t, hours=i)) for i, t in enumerate(types)]


class TestAnchoredBatchIsAuthentic:
    def test_events_are_anchored_and_verify(
        self, client: TestClient, sessions: SessionFactory, worker: AnchoringWorker
    ) -> None:
        _, key = make_org(sessions)
        batch = make_batch(client, key)
        events = _record_five_events(client, key, batch["id"])
        assert [e["n"] for e in events] == [0, 1, 2, 3, 4]
        assert all(e["status"] == "pending" for e in events)
        assert scan(client, batch)["verdict"] == "pending"

        worker.tick()

        facts = scan(client, batch)
        assert facts["verdict"] == "authentic"
        assert [r["verdict"] for r in facts["records"]] == ["verified"] * 5
        assert [r["digest"] for r in facts["records"]] == [e["digest"] for e in events]
        record = facts["records"][2]
        anchor = client.get(f"/api/v1/anchors/{record['anchor']['index']}").json()
        assert record["digest"] in anchor["leaves"]
        # Anyone can check the proof against the public root without trusting the service.
        proof = [digest_from_hex(p) for p in record["proof"]]
        assert verify_proof(
            digest_from_hex(anchor["root"]), digest_from_hex(record["digest"]), proof
        )
        assert anchor["leaf_count"] == len(anchor["leaves"])
        assert anchor["tx_hash"].startswith("0x") and anchor["block_number"] > 0

    def test_in_process_worker_anchors_without_help(
        self, settings: Settings, sessions: SessionFactory
    ) -> None:
        live = settings.model_copy(update={"run_worker": True, "anchor_interval": 0.2})
        with TestClient(create_app(live)) as client:
            _, key = make_org(sessions)
            batch = make_batch(client, key)
            post_event(client, key, batch["id"], event_body("production"))
            deadline = time.monotonic() + 60
            while scan(client, batch)["verdict"] == "pending" and time.monotonic() < deadline:
                time.sleep(0.2)
            assert scan(client, batch)["verdict"] == "authentic"
            ready = client.get("/readyz")
            assert ready.status_code == 200 and ready.json()["chain"]["state"] == "ok"


class TestTamperedRecordIsReported:
    def test_changed_content_marks_record_and_batch_tampered(
        self, client: TestClient, sessions: SessionFactory, worker: AnchoringWorker
    ) -> None:
        _, key = make_org(sessions)
        batch = make_batch(client, key)
        events = _record_five_events(client, key, batch["id"])
        worker.tick()
        assert scan(client, batch)["verdict"] == "authentic"

        with sessions.write() as session, session.begin():
            row = session.get(Record, events[1]["id"])
            assert row is not None
            # Someone with database access rewrites where the inspection happened.
            session.execute(
                text("UPDATE records SET content = :c WHERE id = :id"),
                {"c": row.content.replace("Hangzhou plant 2", "Somewhere else"), "id": row.id},
            )

        facts = scan(client, batch)
        assert facts["verdict"] == "tampered"
        verdicts = [r["verdict"] for r in facts["records"]]
        assert verdicts == ["verified", "tampered", "verified", "verified", "verified"]

    def test_digest_is_recomputed_whatever_form_the_stored_text_takes(
        self, client: TestClient, sessions: SessionFactory, worker: AnchoringWorker
    ) -> None:
        """Stored text that hashes to the stored digest is taken as is; any other text is
        canonicalised again. Re-indenting a record changes nothing; editing it while also
        rewriting the stored digest to match is still caught (by the anchored proof)."""
        _, key = make_org(sessions)
        batch = make_batch(client, key)
        events = _record_five_events(client, key, batch["id"])
        worker.tick()
        with sessions.write() as session, session.begin():
            first = session.get(Record, events[0]["id"])
            second = session.get(Record, events[1]["id"])
            assert first is not None and second is not None
            pretty = json.dumps(json.loads(first.content), indent=2, sort_keys=False)
            edited = second.content.replace("Hangzhou plant 2", "Somewhere else")
            session.execute(
                text("UPDATE records SET content = :c WHERE id = :id"),
                {"c": pretty, "id": first.id},
            )
            session.execute(
                text("UPDATE records SET content = :c, digest = :d WHERE id = :id"),
                {"c": edited, "d": hashlib.sha256(edited.encode()).digest(), "id": second.id},
            )
        verdicts = [r["verdict"] for r in scan(client, batch)["records"]]
        assert verdicts == ["verified", "tampered", "verified", "verified", "verified"]

    def test_deleted_record_breaks_the_chain(
        self, client: TestClient, sessions: SessionFactory, worker: AnchoringWorker
    ) -> None:
        _, key = make_org(sessions)
        batch = make_batch(client, key)
        events = _record_five_events(client, key, batch["id"])
        worker.tick()
        with sessions.write() as session, session.begin():
            session.execute(text("DELETE FROM records WHERE id = :id"), {"id": events[2]["id"]})
        facts = scan(client, batch)
        assert facts["verdict"] == "tampered"
        assert facts["records"][2]["verdict"] == "tampered"  # the record after the gap


class TestChainOutage:
    def test_events_accepted_while_chain_down_and_anchored_once_when_back(
        self,
        client: TestClient,
        sessions: SessionFactory,
        worker: AnchoringWorker,
        chain_proxy: TcpProxy,
    ) -> None:
        _, key = make_org(sessions)
        batch = make_batch(client, key)
        worker.tick()  # settle anything other tests left pending
        chain_proxy.stop()
        try:
            events = _record_five_events(client, key, batch["id"])
            assert worker.tick() == 0
            assert worker.health.state == "unreachable"
            facts = scan(client, batch)
            assert facts["verdict"] == "pending"
            assert [r["verdict"] for r in facts["records"]] == ["pending"] * 5
        finally:
            chain_proxy.start()
        worker.tick()
        assert worker.health.state == "ok"
        facts = scan(client, batch)
        assert facts["verdict"] == "authentic"
        ids = [e["id"] for e in events]
        with sessions.read() as session:
            anchor_ids = set(session.scalars(select(Record.anchor_id).where(Record.id.in_(ids))))
            assert len(anchor_ids) == 1
            roots = session.scalars(select(Anchor.root).where(Anchor.id.in_(anchor_ids))).all()
            # The same root is never anchored twice: one row, one on-chain anchor.
            assert len(roots) == 1
            assert worker.ledger.find_anchor(roots[0]) is not None


class TestReadiness:
    def test_api_only_instance_reports_the_chain_state(
        self, client: TestClient, chain_proxy: TcpProxy, worker: AnchoringWorker
    ) -> None:
        worker.tick()  # the worker (elsewhere) has deployed the contract

        def wait_for(status: int) -> dict[str, object]:
            deadline = time.monotonic() + 15
            while True:
                response = client.get("/readyz")
                if response.status_code == status or time.monotonic() > deadline:
                    assert response.status_code == status, response.text
                    body: dict[str, object] = response.json()
                    return body
                time.sleep(0.2)

        ready = wait_for(200)
        assert ready["database"] == "ok"
        chain_proxy.stop()
        try:
            down = wait_for(503)
            assert down["chain"]["state"] == "unreachable"  # type: ignore[index]
        finally:
            chain_proxy.start()
        wait_for(200)
