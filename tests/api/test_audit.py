"""The inspector's audit trail, proof bundles, redaction and the anchor monitor."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from typer.testing import CliRunner

from service.anchoring.repository import AnchorRepository
from service.anchoring.worker import AnchoringWorker
from service.app import create_app
from service.audit.monitor import run_monitor
from service.cli import app as cli
from service.config import Settings
from service.db.engine import SessionFactory, make_engine
from service.db.models import Anchor, OrgRole
from service.hashing import digest_from_hex, record_digest
from service.ledger.factory import build_ledger
from service.ledger.reader import ContractReader
from service.merkle import verify_proof
from tests.builders import auth, event_body, make_batch, make_org, post_event
from tests.support.hardhat import HardhatNode


@pytest.fixture
def trail(client: TestClient, sessions: SessionFactory, worker: AnchoringWorker) -> dict[str, Any]:
    """A supplier's batch with four anchored events and a fifth still pending."""
    _, key = make_org(sessions)
    batch = make_batch(client, key)
    events = [
        post_event(client, key, batch["id"], event_body(kind, hours=i))
        for i, kind in enumerate(["production", "inspection", "packing", "storage"])
    ]
    worker.tick()
    events.append(post_event(client, key, batch["id"], event_body("packing", hours=9)))
    # Confirmations come from the chain head this instance's watcher last saw: wait for it.
    deadline = time.monotonic() + 15
    while client.get("/readyz").status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.1)
    return {"batch": batch, "key": key, "events": events}


def audit(client: TestClient, key: str, batch_id: int, **params: Any) -> Any:
    response = client.get(f"/api/v1/batches/{batch_id}/audit", headers=auth(key), params=params)
    assert response.status_code == 200, response.text
    return response.json()


class TestAuditTrail:
    def test_who_may_read_it(
        self, client: TestClient, sessions: SessionFactory, trail: dict[str, Any]
    ) -> None:
        url = f"/api/v1/batches/{trail['batch']['id']}/audit"
        for role in (OrgRole.inspector, OrgRole.admin):
            _, key = make_org(sessions, role)
            assert client.get(url, headers=auth(key)).status_code == 200
        _, stranger = make_org(sessions, OrgRole.supplier)
        assert client.get(url, headers=auth(stranger)).status_code == 403
        assert client.get(url).status_code == 401

    def test_full_records_with_proofs_anchors_and_chain(
        self, client: TestClient, sessions: SessionFactory, trail: dict[str, Any]
    ) -> None:
        _, inspector = make_org(sessions, OrgRole.inspector)
        page = audit(client, inspector, trail["batch"]["id"])
        assert page["verdict"] == "pending"
        assert page["chain_check"] == {"continuous": True, "links_ok": True, "problems": []}
        items = page["items"]
        assert [i["n"] for i in items] == [0, 1, 2, 3, 4]
        assert [i["verdict"] for i in items] == ["verified"] * 4 + ["pending"]
        for previous, item in zip([None, *items], items, strict=False):
            assert item["digest"] == "0x" + record_digest(item["record"]).hex()
            assert item["prev"] == (previous["digest"] if previous else None)
        anchored = items[0]
        assert anchored["anchor"]["confirmations"] >= 0 and anchored["anchor"]["final"]
        assert verify_proof(
            digest_from_hex(anchored["anchor"]["root"]),
            digest_from_hex(anchored["digest"]),
            [digest_from_hex(p) for p in anchored["proof"]],
        )
        assert items[4]["anchor"] is None and items[4]["proof"] == []

    def test_cursor_pagination(
        self, client: TestClient, sessions: SessionFactory, trail: dict[str, Any]
    ) -> None:
        first = audit(client, trail["key"], trail["batch"]["id"], limit=2)
        assert [i["n"] for i in first["items"]] == [0, 1] and first["next_cursor"] == 1
        rest = audit(client, trail["key"], trail["batch"]["id"], cursor=1, limit=10)
        assert [i["n"] for i in rest["items"]] == [2, 3, 4] and rest["next_cursor"] is None

    def test_deleted_record_breaks_the_chain_check(
        self, client: TestClient, sessions: SessionFactory, trail: dict[str, Any]
    ) -> None:
        with sessions.write() as session, session.begin():
            session.execute(
                text("DELETE FROM records WHERE id = :id"), {"id": trail["events"][1]["id"]}
            )
        page = audit(client, trail["key"], trail["batch"]["id"])
        assert page["verdict"] == "tampered"
        assert page["chain_check"]["continuous"] is False and page["chain_check"]["problems"]


class TestBundle:
    def test_bundle_is_self_contained(
        self,
        client: TestClient,
        sessions: SessionFactory,
        trail: dict[str, Any],
        worker: AnchoringWorker,
    ) -> None:
        _, inspector = make_org(sessions, OrgRole.inspector)
        url = f"/api/v1/batches/{trail['batch']['id']}/audit/bundle"
        response = client.get(url, headers=auth(inspector))
        assert response.status_code == 200
        assert "attachment" in response.headers["content-disposition"]
        bundle = response.json()
        assert bundle["format"] == "lotproof-bundle/1"
        assert bundle["chain_id"] == 31337 and bundle["contract"].startswith("0x")
        assert bundle["batch"]["record_count"] == 5 and len(bundle["records"]) == 5
        roots = {a["index"]: a for a in bundle["anchors"]}
        for entry in bundle["records"][:4]:
            anchor = roots[entry["anchor_index"]]
            assert verify_proof(
                digest_from_hex(anchor["root"]),
                digest_from_hex(entry["digest"]),
                [digest_from_hex(p) for p in entry["proof"]],
            )
        assert bundle["records"][4]["anchor_index"] is None


class TestRedaction:
    def test_admin_redacts_an_anchored_record_and_the_batch_stays_verifiable(
        self,
        client: TestClient,
        sessions: SessionFactory,
        trail: dict[str, Any],
        worker: AnchoringWorker,
    ) -> None:
        worker.tick()  # anchor the fifth record too
        _, admin = make_org(sessions, OrgRole.admin)
        record_id = trail["events"][1]["id"]
        url = f"/api/v1/records/{record_id}/redact"
        assert (
            client.post(url, json={"reason": "GDPR"}, headers=auth(trail["key"])).status_code == 403
        )
        response = client.post(url, json={"reason": "court order 2026-117"}, headers=auth(admin))
        assert response.status_code == 200 and response.json()["redacted"] is True
        assert client.post(url, json={"reason": "again"}, headers=auth(admin)).status_code == 409

        page = audit(client, admin, trail["batch"]["id"])
        assert page["verdict"] == "authentic"
        item = page["items"][1]
        assert item["verdict"] == "redacted" and item["record"] is None and item["redacted"]
        assert item["digest"] == trail["events"][1]["digest"]
        assert page["items"][2]["verdict"] == "verified"  # its prev still links
        bundle = client.get(
            f"/api/v1/batches/{trail['batch']['id']}/audit/bundle", headers=auth(admin)
        ).json()
        assert bundle["records"][1]["record"] is None and bundle["records"][1]["redacted"]
        facts = client.get(
            f"/01/{trail['batch']['gtin']}/10/{trail['batch']['lot']}",
            headers={"Accept": "application/json"},
        ).json()
        assert facts["verdict"] == "authentic" and facts["records"][1]["verdict"] == "redacted"

    def test_pending_record_cannot_be_redacted(
        self, client: TestClient, sessions: SessionFactory, trail: dict[str, Any]
    ) -> None:
        _, admin = make_org(sessions, OrgRole.admin)
        url = f"/api/v1/records/{trail['events'][4]['id']}/redact"
        assert client.post(url, json={"reason": "privacy"}, headers=auth(admin)).status_code == 409


@pytest.fixture
def isolated(tmp_path: Path) -> Iterator[tuple[Settings, TestClient, SessionFactory]]:
    """A chain and database of this test's own: the monitor checks every anchor there is, and
    the shared ones hold records other tests tamper with on purpose."""
    with HardhatNode(log_path=tmp_path / "node.log") as node:
        settings = Settings(
            env="dev",
            database_url=f"sqlite:///{tmp_path / 'monitor.db'}",
            rpc_url=node.url,
            public_url="http://lotproof.test",
            run_worker=False,
            # /metrics is read right after each monitor run: no figures cached between.
            ops_cache_ttl_s=0,
        )
        with TestClient(create_app(settings)) as client:
            engine = make_engine(settings.database_url)
            yield settings, client, SessionFactory(engine)
            engine.dispose()


class TestMonitor:
    def test_consistent_then_an_edited_anchor_row_is_found(
        self, isolated: tuple[Settings, TestClient, SessionFactory]
    ) -> None:
        settings, client, sessions = isolated
        worker = AnchoringWorker(
            sessions=sessions, ledger=build_ledger(settings), settings=settings
        )
        _, key = make_org(sessions)
        for _ in range(2):
            batch = make_batch(client, key)
            for i in range(3):
                post_event(client, key, batch["id"], event_body("packing", hours=i))
            worker.tick()
        with sessions.read() as session:
            deployment = AnchorRepository(session).get_active_deployment()
            assert deployment is not None
        reader = ContractReader(rpc_url=settings.rpc_url, address=deployment.address)
        with sessions.write() as session, session.begin():
            clean = run_monitor(session, reader)
        assert clean.ok, clean.discrepancies
        assert clean.anchors_checked == reader.anchor_count() == 2
        assert "lotproof_monitor_discrepancies 0.0" in client.get("/metrics").text

        with sessions.write() as session, session.begin():
            anchor = session.scalars(select(Anchor).where(Anchor.chain_index == 1)).one()
            # Someone swaps a published leaf for a digest of their liking.
            anchor.leaves = ["0x" + "ab" * 32, *anchor.leaves[1:]]
        with sessions.write() as session, session.begin():
            found = run_monitor(session, reader)
        report = "\n".join(found.discrepancies)
        assert "anchor 1: published leaves do not hash to the on-chain root" in report
        assert "anchor 1: leaf 0xabababababababab… belongs to no stored record" in report
        assert "claims this anchor but is not among its leaves" in report
        assert "anchor 0" not in report
        assert "lotproof_monitor_discrepancies 3.0" in client.get("/metrics").text

        monitor = CliRunner().invoke(
            cli,
            ["monitor"],
            env={
                "LOTPROOF_DATABASE_URL": settings.database_url,
                "LOTPROOF_RPC_URL": settings.rpc_url,
            },
        )
        assert monitor.exit_code == 1 and "DISCREPANCY anchor 1" in monitor.output


class TestAuditReport:
    def test_pdf_report_lists_batch_verdicts_and_recheck_steps(
        self, client: TestClient, sessions: SessionFactory, trail: dict[str, Any]
    ) -> None:
        import io

        from pypdf import PdfReader

        _, inspector = make_org(sessions, OrgRole.inspector)
        url = f"/api/v1/batches/{trail['batch']['id']}/audit/report.pdf"
        response = client.get(url, headers=auth(inspector))
        assert response.status_code == 200 and response.content.startswith(b"%PDF")
        text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
        assert trail["batch"]["lot"] in text and "Verdict: pending" in text
        assert text.count("verified") == 4 and "pending" in text
        assert "verify_bundle.py" in text and "anchorAt" in text
        _, stranger = make_org(sessions)
        assert client.get(url, headers=auth(stranger)).status_code == 403
