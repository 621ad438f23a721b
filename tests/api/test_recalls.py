"""Recalls: a batch and everything made from it, flagged, anchored in each history, exported."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from service.anchoring.worker import AnchoringWorker
from service.db.engine import SessionFactory
from service.db.models import Batch, OrgRole, Recall, Record
from tests.builders import (
    auth,
    event_body,
    make_batch,
    make_org,
    make_product,
    post_event,
    random_lot,
    scan,
)

Chain = dict[str, Any]


def transform(client: TestClient, key: str, input_id: int) -> dict[str, Any]:
    body = {
        "inputs": [{"batch_id": input_id, "quantity": 100}],
        "output": {
            "gtin": make_product(client, key),
            "lot": random_lot(),
            "quantity": 100,
            "unit": "KGM",
            "produced_at": "2026-11-04T08:00:00+08:00",
        },
        "event_time": "2026-11-04T09:30:00+08:00",
        "location": "Mill 1",
        "details": {},
    }
    response = client.post("/api/v1/transformations", json=body, headers=auth(key))
    assert response.status_code == 201, response.text
    output: dict[str, Any] = response.json()["output"]
    return output


def build_chain(client: TestClient, sessions: SessionFactory) -> Chain:
    """A -> B -> C -> D by transformations; D then shipped to a carrier who receives it."""
    supplier_slug, supplier = make_org(sessions)
    carrier_slug, carrier = make_org(sessions, OrgRole.logistics)
    a = make_batch(client, supplier)
    post_event(client, supplier, a["id"], event_body("production"))
    b = transform(client, supplier, a["id"])
    c = transform(client, supplier, b["id"])
    d = transform(client, supplier, c["id"])
    shipping = event_body("shipping", hours=50) | {"receiver": carrier_slug}
    post_event(client, supplier, d["id"], shipping)
    post_event(client, carrier, d["id"], event_body("receiving", hours=60))
    return {
        "supplier": (supplier_slug, supplier),
        "carrier": (carrier_slug, carrier),
        "batches": {"A": a, "B": b, "C": c, "D": d},
        "ids": {name: batch["id"] for name, batch in {"A": a, "B": b, "C": c, "D": d}.items()},
    }


def recall_body(*batch_ids: int, severity: str = "I") -> dict[str, Any]:
    return {
        "batch_ids": list(batch_ids),
        "reason": "Listeria monocytogenes found in retained sample",
        "severity": severity,
        "instructions": "Do not eat; return to the store for a refund.",
    }


def post_recall(client: TestClient, key: str, body: dict[str, Any]) -> Any:
    return client.post("/api/v1/recalls", json=body, headers=auth(key))


def recall_count(sessions: SessionFactory) -> int:
    with sessions.read() as session:
        return int(session.scalar(select(func.count()).select_from(Recall)) or 0)


def recalled_at(sessions: SessionFactory, batch_id: int) -> datetime | None:
    with sessions.read() as session:
        return session.scalar(select(Batch.recalled_at).where(Batch.id == batch_id))


def record_count(sessions: SessionFactory, batch_id: int) -> int:
    with sessions.read() as session:
        query = select(func.count()).select_from(Record).where(Record.batch_id == batch_id)
        return int(session.scalar(query) or 0)


class TestRecallReachesDownstream:
    def test_three_transformations_away(
        self, client: TestClient, sessions: SessionFactory, worker: AnchoringWorker
    ) -> None:
        chain = build_chain(client, sessions)
        ids = chain["ids"]
        response = post_recall(client, chain["supplier"][1], recall_body(ids["A"]))
        assert response.status_code == 201, response.text
        recall = response.json()
        assert recall["severity"] == "I" and recall["reason"].startswith("Listeria")
        reached = {b["batch_id"]: (b["direct"], b["via"]) for b in recall["batches"]}
        assert reached == {
            ids["A"]: (True, []),
            ids["B"]: (False, [ids["A"]]),
            ids["C"]: (False, [ids["A"], ids["B"]]),
            ids["D"]: (False, [ids["A"], ids["B"], ids["C"]]),
        }
        # The shipment of D is flagged, so the recall reaches the carrier too.
        shipments = {b["batch_id"]: b["shipments"] for b in recall["batches"]}
        assert [s["receiver"]["slug"] for s in shipments[ids["D"]]] == [chain["carrier"][0]]
        assert shipments[ids["A"]] == []

        d = chain["batches"]["D"]
        facts = scan(client, d)
        assert facts["flags"]["recalled"] is True
        page = client.get(f"/01/{d['gtin']}/10/{d['lot']}", headers={"Accept": "text/html"})
        assert 'id="recall-banner"' in page.text

        _, inspector = make_org(sessions, OrgRole.inspector)
        for name, batch_id in ids.items():
            audit = client.get(f"/api/v1/batches/{batch_id}/audit", headers=auth(inspector))
            assert audit.status_code == 200, audit.text
            last = audit.json()["items"][-1]["record"]["event"]
            assert last["disposition"] == "recalled" and last["bizStep"] == "holding"
            assert last["lp:recall"]["recallId"] == recall["id"]
            assert last["lp:recall"]["direct"] is (name == "A")
            assert last["lp:recall"]["via"] == reached[batch_id][1]

        worker.tick()
        for batch in chain["batches"].values():
            assert scan(client, batch)["verdict"] == "authentic"

    def test_get_returns_the_stored_recall(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        chain = build_chain(client, sessions)
        created = post_recall(client, chain["supplier"][1], recall_body(chain["ids"]["B"])).json()
        _, retailer = make_org(sessions, OrgRole.retailer)
        fetched = client.get(f"/api/v1/recalls/{created['id']}", headers=auth(retailer))
        assert fetched.status_code == 200
        assert fetched.json() == created
        assert [b["batch_id"] for b in created["batches"]] == [
            chain["ids"]["B"],
            chain["ids"]["C"],
            chain["ids"]["D"],
        ]

    def test_second_recall_keeps_the_first_date(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        chain = build_chain(client, sessions)
        supplier, d_id = chain["supplier"][1], chain["ids"]["D"]
        post_recall(client, supplier, recall_body(chain["ids"]["C"]))
        first_date, records_before = recalled_at(sessions, d_id), record_count(sessions, d_id)
        body = recall_body(chain["ids"]["A"], severity="II") | {"instructions": "Destroy it."}
        assert post_recall(client, supplier, body).status_code == 201
        assert recalled_at(sessions, d_id) == first_date is not None
        # The second recall overwrites nothing: the lot lists both (test_recall_history.py);
        # the history gains exactly one record.
        facts = scan(client, chain["batches"]["D"])
        assert facts["batch"]["recall_reason"].endswith("return to the store for a refund.")
        assert [r["instructions"] for r in facts["recalls"]] == [
            "Destroy it.",
            recall_body()["instructions"],
        ]
        assert record_count(sessions, d_id) == records_before + 1


class TestWhoMayRecall:
    def test_owner_cannot_recall_anothers_batch(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        chain = build_chain(client, sessions)
        _, other_supplier = make_org(sessions)
        recalls_before = recall_count(sessions)
        records_before = {i: record_count(sessions, i) for i in chain["ids"].values()}
        response = post_recall(client, other_supplier, recall_body(chain["ids"]["A"]))
        assert response.status_code == 403
        assert recall_count(sessions) == recalls_before
        assert {i: record_count(sessions, i) for i in chain["ids"].values()} == records_before
        assert scan(client, chain["batches"]["A"])["flags"]["recalled"] is False

    def test_mixed_list_is_refused_whole(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, own = make_org(sessions)
        mine = make_batch(client, own)
        _, other = make_org(sessions)
        theirs = make_batch(client, other)
        response = post_recall(client, own, recall_body(mine["id"], theirs["id"]))
        assert response.status_code == 403
        assert scan(client, mine)["flags"]["recalled"] is False

    @pytest.mark.parametrize("role", [OrgRole.inspector, OrgRole.admin])
    def test_inspector_and_admin_recall_any(
        self, client: TestClient, sessions: SessionFactory, role: OrgRole
    ) -> None:
        _, supplier = make_org(sessions)
        batch = make_batch(client, supplier)
        _, key = make_org(sessions, role)
        response = post_recall(client, key, recall_body(batch["id"], severity="III"))
        assert response.status_code == 201, response.text
        assert scan(client, batch)["flags"]["recalled"] is True

    def test_carrier_holding_a_batch_may_not_recall_it(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        chain = build_chain(client, sessions)
        response = post_recall(client, chain["carrier"][1], recall_body(chain["ids"]["D"]))
        assert response.status_code == 403


class TestExport:
    def test_csv_rows_match_batches_and_custodians(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        chain = build_chain(client, sessions)
        ids = chain["ids"]
        recall = post_recall(client, chain["supplier"][1], recall_body(ids["A"])).json()
        response = client.get(
            f"/api/v1/recalls/{recall['id']}/export.csv", headers=auth(chain["supplier"][1])
        )
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        rows = list(csv.DictReader(io.StringIO(response.text)))
        by_lot = {batch["lot"]: name for name, batch in chain["batches"].items()}
        supplier_slug, carrier_slug = chain["supplier"][0], chain["carrier"][0]
        assert [(by_lot[r["lot"]], r["custodian_slug"], r["direct"]) for r in rows] == [
            ("A", supplier_slug, "yes"),
            ("B", supplier_slug, "no"),
            ("C", supplier_slug, "no"),
            ("D", supplier_slug, "no"),
            ("D", carrier_slug, "no"),
        ]
        assert {r["recall_id"] for r in rows} == {str(recall["id"])}
        assert {r["severity"] for r in rows} == {"I"}
        d_rows = rows[3:]
        assert d_rows[0]["via"] == f"{ids['A']} > {ids['B']} > {ids['C']}"
        # The supplier's period ends where the carrier's begins (the receipt), ISO 8601.
        assert d_rows[0]["until"] == d_rows[1]["from"] == "2026-11-04T20:00:00+00:00"
        assert d_rows[1]["until"] == ""
        assert rows[0]["produced_at"] == "2026-11-02T00:00:00+00:00"
        assert rows[0]["product_name"] == "Green tea" and rows[0]["unit"] == "KGM"


class TestBadInput:
    def test_unknown_recall_is_404(self, client: TestClient, sessions: SessionFactory) -> None:
        _, key = make_org(sessions, OrgRole.inspector)
        assert client.get("/api/v1/recalls/999999999", headers=auth(key)).status_code == 404
        export = client.get("/api/v1/recalls/999999999/export.csv", headers=auth(key))
        assert export.status_code == 404

    def test_bad_severity_names_the_field(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, key = make_org(sessions)
        batch = make_batch(client, key)
        response = post_recall(client, key, recall_body(batch["id"], severity="IV"))
        assert response.status_code == 422
        assert [e["field"] for e in response.json()["errors"]] == ["severity"]

    def test_unknown_batch_names_its_position(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, key = make_org(sessions, OrgRole.inspector)
        response = post_recall(client, key, recall_body(999999999))
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "batch_ids.0"
