"""Issue 6, "done when": an admin watches a complaint arrive from a scan, an investigation put
the batch on hold, a recall go out and reach every downstream lot, and the supplier's scorecard
change, with every step visible and verified in the audit trails. Through the API only."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from service.anchoring.worker import AnchoringWorker
from service.app import create_app
from service.config import Settings
from service.db.engine import SessionFactory
from service.db.models import Organization, OrgRole, Record, RecordStatus
from tests.builders import auth, make_org, random_gtin, random_lot

JSON = {"Accept": "application/json"}


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    # Shoppers' networks come in X-Forwarded-For; pages must show fresh scores.
    update = {
        "complaints_per_source_per_hour": 1000,
        "scorecard_page_ttl_s": 0,
        "trust_forwarded_for": True,
    }
    with TestClient(create_app(settings.model_copy(update=update))) as test_client:
        yield test_client


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def anchor_everything(worker: AnchoringWorker, sessions: SessionFactory) -> None:
    for _ in range(10):
        worker.tick()
        with sessions.read() as session:
            if not session.scalars(
                select(Record.id).where(Record.status == RecordStatus.pending)
            ).first():
                return
    raise AssertionError("records still pending after 10 anchoring rounds")


def batch_body(gtin: str, quantity: float = 1200) -> dict[str, Any]:
    return {
        "gtin": gtin,
        "lot": random_lot(),
        "quantity": quantity,
        "unit": "KGM",
        "produced_at": "2026-11-02T08:00:00+08:00",
    }


def every_complaint_code(client: TestClient, key: str) -> set[str]:
    codes: set[str] = set()
    cursor: int | None = None
    while True:
        params = {"limit": 500} | ({"cursor": cursor} if cursor is not None else {})
        page = ok(client.get("/api/v1/complaints", params=params, headers=auth(key)))
        codes |= {c["code"] for c in page["items"]}
        cursor = page["next_cursor"]
        if cursor is None:
            return codes


def test_complaint_hold_recall_and_scorecard_are_all_anchored(
    client: TestClient, sessions: SessionFactory, worker: AnchoringWorker
) -> None:
    _, admin = make_org(sessions, OrgRole.admin)
    slug, supplier = make_org(sessions)
    with sessions.read() as session:
        supplier_id = session.scalars(
            select(Organization.id).where(Organization.slug == slug)
        ).one()

    # The admin requires ISO 9001 for tea and alerts at 2 complaints (and 1 per 1,000 units).
    category = {
        "required_certificates": ["iso-9001"],
        "alert": {"min_complaints": 2, "per_1000": 1},
    }
    tea = f"tea-{random_lot().lower()}"
    ok(client.put(f"/api/v1/categories/{tea}", json=category, headers=auth(admin)), 201)
    gtin = random_gtin()
    product = {"gtin": gtin, "name": "Longjing tea", "category": tea}
    ok(client.post("/api/v1/products", json=product, headers=auth(supplier)), 201)

    # Without the certificate the supplier cannot make a batch; with it, it can.
    refused = client.post("/api/v1/batches", json=batch_body(gtin), headers=auth(supplier))
    assert refused.status_code == 409 and "iso-9001" in refused.json()["detail"]
    today = datetime.now(UTC).date()
    certificate = {
        "type": "iso-9001",
        "issuer": "SGS",
        "number": "CN-9001-42",
        "valid_from": (today - timedelta(days=365)).isoformat(),
        "valid_to": (today + timedelta(days=365)).isoformat(),
    }
    url = f"/api/v1/orgs/{supplier_id}/certificates"
    ok(client.post(url, json=certificate, headers=auth(supplier)), 201)
    lot_a = ok(client.post("/api/v1/batches", json=batch_body(gtin), headers=auth(supplier)), 201)

    # Two blends downstream: A -> B -> C.
    downstream, source = [], lot_a
    for _ in range(2):
        blend = {
            "inputs": [{"batch_id": source["id"], "quantity": 100}],
            "output": batch_body(gtin, quantity=100),
            "event_time": "2026-11-04T09:30:00+08:00",
            "location": "Blending hall",
        }
        made = ok(client.post("/api/v1/transformations", json=blend, headers=auth(supplier)), 201)
        source = made["output"]
        downstream.append(source)
    anchor_everything(worker, sessions)
    card = f"/api/v1/orgs/{supplier_id}/scorecard"
    before = ok(client.get(card, headers=auth(admin)))
    assert before["score"] == 100.0  # nothing against the supplier, certificate verified

    # A shopper scans a unit and reports a problem from it; a second report follows.
    units = ok(
        client.post(
            f"/api/v1/batches/{lot_a['id']}/serials", json={"count": 2}, headers=auth(supplier)
        ),
        201,
    )
    unit_path = urlsplit(units[0]["url"]).path
    assert ok(client.get(unit_path, headers=JSON))["unit"]["scans"] == 1
    codes = []
    for text, network in (("Tastes of smoke", "198.51.100.7"), ("Smoky and bitter", "203.0.113.9")):
        report = {"link": unit_path, "category": "quality", "description": text}
        shopper = {"X-Forwarded-For": network}  # two shoppers: two distinct sources
        codes.append(
            ok(client.post("/api/v1/complaints", json=report, headers=shopper), 201)["code"]
        )
    # The admin sees every complaint (the whole session's, oldest first: read every page).
    assert set(codes) <= every_complaint_code(client, admin)

    # The category's alert threshold flagged the lot; the quality desk confirms the hold.
    facts = ok(client.get(unit_path, headers=JSON))
    assert not facts["flags"]["on_hold"]
    reviews = ok(client.get("/api/v1/complaints/reviews", headers=auth(admin)))
    assert lot_a["id"] in {item["batch_id"] for item in reviews["items"]}
    confirm = {"reason": "two shoppers report smoke taint"}
    url = f"/api/v1/complaints/reviews/{lot_a['id']}/confirm"
    ok(client.post(url, json=confirm, headers=auth(admin)))
    facts = ok(client.get(unit_path, headers=JSON))
    assert facts["flags"]["on_hold"] and "quality alert" in facts["batch"]["hold_reason"]

    # The supplier investigates; an admin recalls the lot: every downstream lot follows.
    for status in ("acknowledged", "investigating"):
        move = {"status": status, "reason": f"{status}: retained sample sent to the lab"}
        ok(
            client.post(
                f"/api/v1/complaints/{codes[0]}/transitions", json=move, headers=auth(supplier)
            )
        )
    recall = {
        "batch_ids": [lot_a["id"]],
        "reason": "Smoke taint confirmed by the lab",
        "severity": "II",
        "instructions": "Return to the store for a refund.",
    }
    recalled = ok(client.post("/api/v1/recalls", json=recall, headers=auth(admin)), 201)
    lots = {b["lot"] for b in recalled["batches"]}
    assert lots == {lot_a["lot"]} | {b["lot"] for b in downstream}
    export = client.get(f"/api/v1/recalls/{recalled['id']}/export.csv", headers=auth(admin))
    assert {row["lot"] for row in csv.DictReader(io.StringIO(export.text))} == lots

    # The scorecard changed, for reasons it lists.
    after = ok(client.get(card, headers=auth(admin)))
    parts = {c["name"]: c for c in after["components"]}
    assert after["score"] < before["score"]
    assert parts["recalls"]["value"] == 1 and parts["recalls"]["inputs"]["recall_ids"] == [
        recalled["id"]
    ]
    assert sorted(parts["complaints_per_1000"]["complaint_ids"]) == sorted(codes)

    # Every step is anchored and verified, in the lot's trail and the supplier's own.
    anchor_everything(worker, sessions)
    trail = ok(client.get(f"/api/v1/batches/{lot_a['id']}/audit", headers=auth(admin)))
    assert trail["verdict"] == "authentic"
    assert {i["verdict"] for i in trail["items"]} == {"verified"}
    kinds = [i["record"]["event"] for i in trail["items"]]
    assert sum("lp:complaint" in e for e in kinds) == 4  # 2 filed, 2 transitions
    assert any("lp:alert" in e for e in kinds) and any("lp:recall" in e for e in kinds)
    for lot in downstream:
        lot_trail = ok(client.get(f"/api/v1/batches/{lot['id']}/audit", headers=auth(admin)))
        assert lot_trail["verdict"] == "authentic"
        assert any("lp:recall" in i["record"]["event"] for i in lot_trail["items"])
    org_trail = ok(client.get(f"/api/v1/orgs/{supplier_id}/audit", headers=auth(admin)))
    assert org_trail["verdict"] == "authentic"
    assert org_trail["items"][0]["record"]["event"]["lp:certificate"]["number"] == "CN-9001-42"

    # And the shopper's page says all of it.
    facts = ok(client.get(unit_path, headers=JSON))
    assert facts["verdict"] == "authentic" and facts["flags"]["recalled"]
    assert [c["type"] for c in facts["supplier"]["certificates"]] == ["iso-9001"]
    assert facts["supplier"]["certificates"][0]["verdict"] == "verified"
    assert facts["supplier"]["scorecard"]["score"] == after["score"]
