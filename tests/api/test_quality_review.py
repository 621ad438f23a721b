"""Issue 18, finding 4: complaints alone cannot stop a lot.

Holds from complaints count distinct sources, wait for the quality desk (admin) before they
block shipping, and batch quantities are bounded so the complaint rate stays finite.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from service.app import create_app
from service.config import Settings
from service.db.engine import SessionFactory
from service.db.models import Batch, OrgRole, WebhookDelivery
from tests.builders import auth, event_body, make_org, make_product, random_lot, scan

_NETWORKS = itertools.count(secrets.randbelow(2**16))


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    tuned = settings.model_copy(
        update={"complaints_per_source_per_hour": 100, "trust_forwarded_for": True}
    )
    with TestClient(create_app(tuned)) as test_client:
        yield test_client


def batch_body(gtin: str, quantity: float, unit: str = "H87") -> dict[str, Any]:
    return {
        "gtin": gtin,
        "lot": random_lot(),
        "quantity": quantity,
        "unit": unit,
        "produced_at": "2026-11-02T08:00:00+08:00",
    }


def new_batch(client: TestClient, key: str, quantity: float = 400) -> dict[str, Any]:
    response = client.post(
        "/api/v1/batches", json=batch_body(make_product(client, key), quantity), headers=auth(key)
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def complain(client: TestClient, batch: dict[str, Any], address: str | None = None) -> int:
    """File one complaint; by default from a network of its own (a distinct source)."""
    if address is None:
        network = next(_NETWORKS) % 2**16
        address = f"10.{network // 256}.{network % 256}.9"
    body = {
        "link": f"/01/{batch['gtin']}/10/{batch['lot']}",
        "category": "safety",
        "description": "It made me ill.",
    }
    response = client.post("/api/v1/complaints", json=body, headers={"X-Forwarded-For": address})
    return response.status_code


def ship(client: TestClient, key: str, batch: dict[str, Any], receiver: str) -> int:
    body = event_body("shipping", hours=2) | {"receiver": receiver}
    url = f"/api/v1/batches/{batch['id']}/events"
    return client.post(url, json=body, headers=auth(key)).status_code


def decide(client: TestClient, key: str, batch: dict[str, Any], decision: str) -> Any:
    url = f"/api/v1/complaints/reviews/{batch['id']}/{decision}"
    return client.post(url, json={"reason": "lab results reviewed"}, headers=auth(key))


def deliveries(sessions: SessionFactory, batch_id: int) -> list[str]:
    with sessions.read() as session:
        rows = session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
        return [row.event_type for row in rows if row.payload.get("batch_id") == batch_id]


def subscribe(client: TestClient, key: str) -> None:
    events = ["batch.under_review", "batch.on_hold", "batch.review_dismissed"]
    body = {"url": "http://127.0.0.1:9/hook", "events": events}
    assert client.post("/api/v1/webhooks", json=body, headers=auth(key)).status_code == 201


class TestDistinctSources:
    def test_one_network_alone_cannot_flag_or_hold_a_lot(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, owner = make_org(sessions)
        carrier, _ = make_org(sessions, OrgRole.logistics)
        batch = new_batch(client, owner, quantity=10)
        for _ in range(6):  # far past 3 complaints and 5 per 1,000 units, all one source
            assert complain(client, batch, address="203.0.113.50") == 201
        assert scan(client, batch)["flags"]["on_hold"] is False
        assert ship(client, owner, batch, carrier) == 201


class TestReviewBeforeHold:
    def test_complaints_flag_the_lot_without_stopping_it_until_an_admin_confirms(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, owner = make_org(sessions)
        _, admin = make_org(sessions, OrgRole.admin)
        _, inspector = make_org(sessions, OrgRole.inspector)
        carrier, carrier_key = make_org(sessions, OrgRole.logistics)
        subscribe(client, owner)
        batch = new_batch(client, owner)
        for _ in range(3):
            assert complain(client, batch) == 201
        # Flagged, the supplier told at once, and still free to ship.
        assert scan(client, batch)["flags"]["on_hold"] is False
        assert "batch.under_review" in deliveries(sessions, batch["id"])
        listed = client.get("/api/v1/complaints/reviews", headers=auth(owner)).json()
        assert [i["batch_id"] for i in listed["items"]] == [batch["id"]]
        assert "3 distinct sources" in listed["items"][0]["reason"]
        assert ship(client, owner, batch, carrier) == 201
        receipt = event_body("receiving", hours=3)
        url = f"/api/v1/batches/{batch['id']}/events"
        assert client.post(url, json=receipt, headers=auth(carrier_key)).status_code == 201
        # Only the quality desk decides; then the lot is held and the carrier cannot ship it.
        assert decide(client, owner, batch, "confirm").status_code == 403
        assert decide(client, inspector, batch, "confirm").status_code == 403
        confirmed = decide(client, admin, batch, "confirm")
        assert confirmed.status_code == 200 and confirmed.json()["on_hold"] is True
        assert deliveries(sessions, batch["id"])[-1] == "batch.on_hold"
        facts = scan(client, batch)
        assert facts["flags"]["on_hold"] is True
        [record] = [r for r in facts["records"] if r["type"] == "quality_alert"]
        assert record["actor"] != facts["supplier"]["slug"]
        retailer, _ = make_org(sessions, OrgRole.retailer)
        assert ship(client, carrier_key, batch, retailer) == 409
        # The system's hold is not the supplier's to lift.
        release = event_body("release", hours=4, reason="we disagree")
        assert client.post(url, json=release, headers=auth(owner)).status_code == 403
        assert client.post(url, json=release, headers=auth(inspector)).status_code == 201

    def test_an_admin_may_dismiss_the_alert(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, owner = make_org(sessions)
        _, admin = make_org(sessions, OrgRole.admin)
        subscribe(client, owner)
        batch = new_batch(client, owner)
        assert decide(client, admin, batch, "dismiss").status_code == 409  # nothing to review
        for _ in range(3):
            complain(client, batch)
        dismissed = decide(client, admin, batch, "dismiss")
        assert dismissed.status_code == 200 and dismissed.json()["on_hold"] is False
        assert deliveries(sessions, batch["id"])[-1] == "batch.review_dismissed"
        facts = scan(client, batch)
        assert facts["flags"]["on_hold"] is False
        assert [r["type"] for r in facts["records"]][-1] == "quality_alert_dismissed"
        listed = client.get("/api/v1/complaints/reviews", headers=auth(admin)).json()
        assert batch["id"] not in [i["batch_id"] for i in listed["items"]]


class TestQuantityBounds:
    @pytest.mark.parametrize(
        ("quantity", "unit"),
        [(1e-310, "KGM"), (1e12, "KGM"), (1e12, "H87"), (0.5, "H87"), (1e-9, "MTQ")],
    )
    def test_absurd_quantities_are_refused_naming_quantity(
        self, client: TestClient, sessions: SessionFactory, quantity: float, unit: str
    ) -> None:
        _, owner = make_org(sessions)
        body = batch_body(make_product(client, owner), quantity, unit)
        response = client.post("/api/v1/batches", json=body, headers=auth(owner))
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "quantity"

    def test_sane_quantities_in_each_unit_are_accepted(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, owner = make_org(sessions)
        for quantity, unit in [(0.001, "KGM"), (1, "H87"), (1e8, "KGM"), (250, "MLT")]:
            body = batch_body(make_product(client, owner), quantity, unit)
            response = client.post("/api/v1/batches", json=body, headers=auth(owner))
            assert response.status_code == 201, response.text

    @pytest.mark.parametrize("quantity", [1e-310, 1e12])
    def test_a_stored_absurd_quantity_neither_breaks_nor_hides_alerts(
        self, client: TestClient, sessions: SessionFactory, quantity: float
    ) -> None:
        _, owner = make_org(sessions)
        _, admin = make_org(sessions, OrgRole.admin)
        batch = new_batch(client, owner)
        with sessions.write() as session, session.begin():  # a row from before the bounds
            row = session.get(Batch, batch["id"])
            assert row is not None
            row.quantity = quantity
        for _ in range(3):
            assert complain(client, batch) == 201
        # The count of sources alone decides; the record's rate is null, never inf.
        assert decide(client, admin, batch, "confirm").status_code == 200
        facts = scan(client, batch)
        assert facts["flags"]["on_hold"] is True
        assert "rate not applied" in facts["batch"]["hold_reason"]
