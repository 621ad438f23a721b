"""Quality events reach webhook subscribers: holds, releases, complaints, recalls."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from service.complaints.overdue import announce_overdue
from service.db.engine import SessionFactory
from service.db.models import Complaint, OrgRole
from tests.builders import auth, event_body, make_batch, make_org, post_event

EVENTS = ["batch.on_hold", "batch.released", "complaint.received", "recall.issued"]


def delivered_types(client: TestClient, key: str, subscription: int) -> list[str]:
    page = client.get(f"/api/v1/webhooks/{subscription}/deliveries", headers=auth(key)).json()
    return sorted(item["event_type"] for item in page["items"])


def subscribe(client: TestClient, key: str) -> int:
    response = client.post(
        "/api/v1/webhooks",
        json={"url": "http://127.0.0.1:9/hook", "events": EVENTS},
        headers=auth(key),
    )
    assert response.status_code == 201, response.text
    subscription: int = response.json()["id"]
    return subscription


class TestNotifications:
    def test_supplier_hears_of_its_batch(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, owner = make_org(sessions)
        _, inspector = make_org(sessions, OrgRole.inspector)
        subscription = subscribe(client, owner)
        batch = make_batch(client, owner)
        failing: dict[str, Any] = {
            "lot_size": 1000,
            "classes": {"major": {"aql": 1.0, "defects": 9}},
        }
        post_event(client, inspector, batch["id"], event_body("inspection") | {"sampling": failing})
        post_event(client, inspector, batch["id"], event_body("release", reason="reworked"))
        complaint = {
            "link": f"/01/{batch['gtin']}/10/{batch['lot']}",
            "category": "quality",
            "description": "Leaves are mouldy.",
        }
        assert client.post("/api/v1/complaints", json=complaint).status_code == 201
        recall = {"batch_ids": [batch["id"]], "reason": "mould", "severity": "II",
                  "instructions": "Return to the shop."}  # fmt: skip
        assert client.post("/api/v1/recalls", json=recall, headers=auth(owner)).status_code == 201
        assert delivered_types(client, owner, subscription) == sorted(EVENTS)

    def test_other_suppliers_do_not_hear_of_it(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, owner = make_org(sessions)
        _, other = make_org(sessions)
        subscription = subscribe(client, other)
        batch = make_batch(client, owner)
        complaint = {
            "link": f"/01/{batch['gtin']}/10/{batch['lot']}",
            "category": "quality",
            "description": "Leaves are mouldy.",
        }
        client.post("/api/v1/complaints", json=complaint)
        assert "complaint.received" not in delivered_types(client, other, subscription)


class TestOverdueComplaints:
    def test_announced_once_after_the_deadline(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, owner = make_org(sessions)
        response = client.post(
            "/api/v1/webhooks",
            json={"url": "http://127.0.0.1:9/hook", "events": ["complaint.overdue"]},
            headers=auth(owner),
        )
        subscription = response.json()["id"]
        batch = make_batch(client, owner)
        filed = client.post(
            "/api/v1/complaints",
            json={
                "link": f"/01/{batch['gtin']}/10/{batch['lot']}",
                "category": "damaged",
                "description": "Crushed box.",
            },
        ).json()
        with sessions.read() as session:
            deadline = session.scalars(
                select(Complaint.deadline_at).where(Complaint.code == filed["code"])
            ).one()
        with sessions.write() as session, session.begin():
            announce_overdue(session, deadline)  # at the deadline: still on time
        assert delivered_types(client, owner, subscription) == []
        late = deadline + timedelta(seconds=1)
        with sessions.write() as session, session.begin():
            announce_overdue(session, late)
        with sessions.write() as session, session.begin():
            announce_overdue(session, late + timedelta(days=1))
        assert delivered_types(client, owner, subscription) == ["complaint.overdue"]
