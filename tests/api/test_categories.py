"""Product categories: set up by admins, named by products, and carrying their own
quality-alert thresholds."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.config import Settings
from service.db.engine import SessionFactory
from service.db.models import OrgRole
from tests.builders import auth, make_org, random_gtin, random_lot, scan


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    # Complaints come from fresh addresses; the defaults of the alert thresholds stay as
    # shipped (3 complaints and 5 per 1,000 units in 30 days).
    tuned = settings.model_copy(
        update={"complaints_per_source_per_hour": 100, "trust_forwarded_for": True}
    )
    with TestClient(create_app(tuned)) as test_client:
        yield test_client


@pytest.fixture
def admin(sessions: SessionFactory) -> str:
    return make_org(sessions, OrgRole.admin)[1]


@pytest.fixture
def supplier(sessions: SessionFactory) -> str:
    return make_org(sessions)[1]


def unique_name() -> str:
    return f"tea-{secrets.token_hex(4)}"


def put(client: TestClient, key: str, name: str, body: dict[str, Any]) -> httpx.Response:
    response: httpx.Response = client.put(
        f"/api/v1/categories/{name}", json=body, headers=auth(key)
    )
    return response


def new_product(client: TestClient, key: str, category: str | None) -> httpx.Response:
    body = {"gtin": random_gtin(), "name": "Longjing", "category": category}
    response: httpx.Response = client.post("/api/v1/products", json=body, headers=auth(key))
    return response


class TestConfigure:
    def test_admin_creates_then_replaces(
        self, client: TestClient, admin: str, supplier: str
    ) -> None:
        name = unique_name()
        body = {
            "required_certificates": ["iso-9001", "production-licence"],
            "alert": {"min_complaints": 2, "per_1000": 1.0, "window_days": 14},
        }
        created = put(client, admin, name, body)
        assert created.status_code == 201, created.text
        assert created.json()["required_certificates"] == ["iso-9001", "production-licence"]
        assert created.json()["effective_alert"] == body["alert"]
        replaced = put(client, admin, name, {"alert": {"min_complaints": 4}})
        assert replaced.status_code == 200, replaced.text
        read = client.get(f"/api/v1/categories/{name}", headers=auth(supplier)).json()
        assert read["required_certificates"] == []
        assert read["alert"] == {"min_complaints": 4, "per_1000": None, "window_days": None}
        # What the category leaves unset falls back to the service settings.
        assert read["effective_alert"] == {"min_complaints": 4, "per_1000": 5.0, "window_days": 30}
        listed = client.get("/api/v1/categories", headers=auth(supplier)).json()["items"]
        assert [c for c in listed if c["name"] == name] == [read]

    @pytest.mark.parametrize("role", [OrgRole.supplier, OrgRole.inspector, OrgRole.logistics])
    def test_only_admins_configure(
        self, client: TestClient, sessions: SessionFactory, role: OrgRole
    ) -> None:
        key = make_org(sessions, role)[1]
        name = unique_name()
        assert put(client, key, name, {"required_certificates": []}).status_code == 403
        assert client.get(f"/api/v1/categories/{name}", headers=auth(key)).status_code == 404

    def test_reading_needs_an_api_key(self, client: TestClient) -> None:
        assert client.get("/api/v1/categories").status_code == 401

    @pytest.mark.parametrize(
        ("name", "body", "field"),
        [
            ("Tea", {}, "name"),
            ("-tea", {}, "name"),
            ("tea", {"required_certificates": ["iso-9001", "iso-9001"]}, "required_certificates"),
            ("tea", {"required_certificates": ["ISO 9001"]}, "required_certificates.0"),
            ("tea", {"alert": {"min_complaints": 0}}, "alert.min_complaints"),
            ("tea", {"alert": {"per_1000": -1}}, "alert.per_1000"),
            ("tea", {"alert": {"window_days": 0}}, "alert.window_days"),
            ("tea", {"alerts": {}}, "alerts"),
        ],
    )
    def test_bad_input_names_the_field(
        self, client: TestClient, admin: str, name: str, body: dict[str, Any], field: str
    ) -> None:
        response = put(client, admin, name, body)
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == field


class TestProductCategory:
    def test_a_product_names_an_existing_category(
        self, client: TestClient, admin: str, supplier: str
    ) -> None:
        unknown = new_product(client, supplier, unique_name())
        assert unknown.status_code == 422
        assert unknown.json()["errors"][0]["field"] == "category"
        name = unique_name()
        put(client, admin, name, {})
        created = new_product(client, supplier, name)
        assert created.status_code == 201, created.text
        assert created.json()["category"] == name
        read = client.get(f"/api/v1/products/{created.json()['id']}")
        assert read.json()["category"] == name
        plain = new_product(client, supplier, None)
        assert plain.status_code == 201 and plain.json()["category"] is None

    def test_only_admins_file_an_existing_product_under_a_category(
        self, client: TestClient, admin: str, supplier: str
    ) -> None:
        name = unique_name()
        put(client, admin, name, {"required_certificates": ["iso-9001"]})
        product = new_product(client, supplier, None).json()
        url = f"/api/v1/products/{product['id']}/category"
        # A supplier could otherwise move its product to a category without rules.
        assert client.put(url, json={"category": name}, headers=auth(supplier)).status_code == 403
        unknown = client.put(url, json={"category": unique_name()}, headers=auth(admin))
        assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "category"
        filed = client.put(url, json={"category": name}, headers=auth(admin))
        assert filed.status_code == 200 and filed.json()["category"] == name
        # From now on the category's rules apply: no ISO 9001, no batch.
        body = {"gtin": product["gtin"], "lot": random_lot(), "quantity": 10, "unit": "KGM",
                "produced_at": "2026-11-02T08:00:00+08:00"}  # fmt: skip
        refused = client.post("/api/v1/batches", json=body, headers=auth(supplier))
        assert refused.status_code == 409 and refused.json()["errors"][0]["reason"] == "missing"
        cleared = client.put(url, json={"category": None}, headers=auth(admin))
        assert cleared.status_code == 200 and cleared.json()["category"] is None
        assert (
            client.put(
                "/api/v1/products/999999/category", json={"category": None}, headers=auth(admin)
            ).status_code
            == 404
        )


def batch_of(client: TestClient, key: str, gtin: str) -> dict[str, Any]:
    body = {"gtin": gtin, "lot": random_lot(), "quantity": 1200, "unit": "KGM",
            "produced_at": "2026-11-02T08:00:00+08:00"}  # fmt: skip
    response = client.post("/api/v1/batches", json=body, headers=auth(key))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def complain(client: TestClient, batch: dict[str, Any]) -> None:
    body = {
        "link": f"/01/{batch['gtin']}/10/{batch['lot']}",
        "category": "quality",
        "description": "The tea smells of smoke.",
    }
    address = f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(256)}"
    response = client.post("/api/v1/complaints", json=body, headers={"X-Forwarded-For": address})
    assert response.status_code == 201, response.text


def confirm_alert(client: TestClient, admin: str, batch: dict[str, Any]) -> int:
    """The quality desk confirms a batch's quality alert (409 when none waits)."""
    url = f"/api/v1/complaints/reviews/{batch['id']}/confirm"
    return client.post(url, json={"reason": "confirmed"}, headers=auth(admin)).status_code


def alerts(client: TestClient, key: str, batch: dict[str, Any]) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/batches/{batch['id']}/audit", headers=auth(key))
    assert response.status_code == 200, response.text
    events = [item["record"]["event"] for item in response.json()["items"]]
    return [e["lp:alert"] for e in events if "lp:alert" in e]


class TestCategoryAlertThresholds:
    def test_a_stricter_category_holds_a_batch_sooner_than_the_defaults(
        self, client: TestClient, admin: str, supplier: str
    ) -> None:
        name = unique_name()
        strict = {"alert": {"min_complaints": 2, "per_1000": 1.0, "window_days": 14}}
        assert put(client, admin, name, strict).status_code == 201
        sensitive = batch_of(client, supplier, new_product(client, supplier, name).json()["gtin"])
        ordinary = batch_of(client, supplier, new_product(client, supplier, None).json()["gtin"])
        for batch in (sensitive, ordinary):
            complain(client, batch)
            complain(client, batch)  # 2 sources on 1,200 units: 1.667 per 1,000
        assert confirm_alert(client, admin, sensitive) == 200
        [alert] = alerts(client, supplier, sensitive)
        assert alert == {
            "window_days": 14,
            "complaints": 2,
            "sources": 2,
            "threshold": 2,
            "per_1000": 1.667,
            "threshold_per_1000": 1.0,
            "category": name,
            "review": {"decision": "confirmed", "reason": "confirmed"},
        }
        assert scan(client, sensitive)["flags"]["on_hold"] is True
        # The same complaints on a product without a category stay under the defaults.
        assert confirm_alert(client, admin, ordinary) == 409
        assert alerts(client, supplier, ordinary) == []
        assert scan(client, ordinary)["flags"]["on_hold"] is False

    def test_unset_thresholds_fall_back_to_the_settings(
        self, client: TestClient, admin: str, supplier: str
    ) -> None:
        name = unique_name()
        # Only the count is the category's own; the rate stays at the default 5 per 1,000.
        assert put(client, admin, name, {"alert": {"min_complaints": 2}}).status_code == 201
        batch = batch_of(client, supplier, new_product(client, supplier, name).json()["gtin"])
        for _ in range(5):
            complain(client, batch)  # 5 sources: 4.2 per 1,000, under the default rate
        assert confirm_alert(client, admin, batch) == 409
        complain(client, batch)  # 6: 5.0 per 1,000
        assert confirm_alert(client, admin, batch) == 200
        [alert] = alerts(client, supplier, batch)
        assert alert["threshold"] == 2 and alert["threshold_per_1000"] == 5.0
        assert alert["window_days"] == 30 and alert["category"] == name
