"""Admins suspend an organisation (its keys stop writing; its pages say so) and lift it.

Both decisions are records of the organisation's own anchored history (record format v2).
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from service.anchoring.worker import AnchoringWorker
from service.db.engine import SessionFactory
from service.db.models import Organization, OrgRole, Record
from service.hashing import digest_to_hex, record_digest
from tests.builders import auth, make_batch, make_org, make_product

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
HTML = {"Accept": "text/html"}


def org_id(sessions: SessionFactory, slug: str) -> int:
    with sessions.read() as session:
        return session.scalars(select(Organization.id).where(Organization.slug == slug)).one()


@pytest.fixture
def admin(sessions: SessionFactory) -> str:
    return make_org(sessions, OrgRole.admin)[1]


@pytest.fixture
def supplier(sessions: SessionFactory) -> dict[str, Any]:
    slug, key = make_org(sessions)
    return {"slug": slug, "key": key, "id": org_id(sessions, slug)}


def suspend(client: TestClient, key: str, target: int, reason: str = "forged test report") -> Any:
    return client.post(
        f"/api/v1/orgs/{target}/suspension", json={"reason": reason}, headers=auth(key)
    )


def lift(client: TestClient, key: str, target: int, reason: str = "corrective action") -> Any:
    return client.post(
        f"/api/v1/orgs/{target}/suspension/lift", json={"reason": reason}, headers=auth(key)
    )


def authenticated_write_routes(client: TestClient) -> list[tuple[str, str]]:
    """(method, path) of every write operation taking an API key, from the OpenAPI document
    the app generates from its route table."""
    routes = []
    for path, operations in client.get("/openapi.json").json()["paths"].items():
        for method, operation in operations.items():
            # The document declares the API key as a security requirement (service/openapi.py).
            if method.upper() in WRITE_METHODS and operation.get("security"):
                routes.append((method.upper(), path))
    return routes


class TestSuspension:
    def test_suspended_keys_cannot_write_but_can_read(
        self, client: TestClient, admin: str, supplier: dict[str, Any]
    ) -> None:
        batch = make_batch(client, supplier["key"])
        response = suspend(client, admin, supplier["id"])
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["org"]["suspended"] and body["org"]["suspension_reason"] == "forged test report"
        assert body["record_n"] == 0

        refused = client.post(
            "/api/v1/products",
            json={"gtin": "09506000134352", "name": "x"},
            headers=auth(supplier["key"]),
        )
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert "suspended" in refused.json()["detail"]
        # Reading stays possible: its own batch and profile.
        assert (
            client.get(f"/api/v1/batches/{batch['id']}", headers=auth(supplier["key"])).status_code
            == 200
        )
        profile = client.get(f"/api/v1/orgs/{supplier['id']}", headers=auth(supplier["key"]))
        assert profile.status_code == 200 and profile.json()["suspended"] is True

    def test_every_authenticated_write_route_refuses_a_suspended_key(
        self, client: TestClient, admin: str, supplier: dict[str, Any]
    ) -> None:
        """Generated from the route table, so a new write route cannot forget the check."""
        assert suspend(client, admin, supplier["id"]).status_code == 201
        routes = authenticated_write_routes(client)
        assert len(routes) >= 15 and ("POST", "/api/v1/products") in routes
        for method, template in routes:
            path = re.sub(r"\{[^}]+\}", "1", template)
            response = client.request(method, path, json={}, headers=auth(supplier["key"]))
            assert response.status_code == 403, (method, template, response.text)

    def test_lifting_restores_writing(
        self, client: TestClient, admin: str, supplier: dict[str, Any]
    ) -> None:
        assert suspend(client, admin, supplier["id"]).status_code == 201
        response = lift(client, admin, supplier["id"])
        assert response.status_code == 200, response.text
        assert response.json()["org"]["suspended"] is False and response.json()["record_n"] == 1
        make_product(client, supplier["key"])

    def test_only_admins_suspend_and_admins_cannot_be_suspended(
        self, client: TestClient, sessions: SessionFactory, admin: str, supplier: dict[str, Any]
    ) -> None:
        _, inspector = make_org(sessions, OrgRole.inspector)
        other_admin = org_id(sessions, make_org(sessions, OrgRole.admin)[0])
        assert suspend(client, inspector, supplier["id"]).status_code == 403
        assert suspend(client, supplier["key"], supplier["id"]).status_code == 403
        assert suspend(client, admin, other_admin).status_code == 403
        assert lift(client, inspector, supplier["id"]).status_code == 403

    def test_state_conflicts_unknown_org_and_bad_input(
        self, client: TestClient, admin: str, supplier: dict[str, Any]
    ) -> None:
        assert lift(client, admin, supplier["id"]).status_code == 409
        assert suspend(client, admin, supplier["id"]).status_code == 201
        assert suspend(client, admin, supplier["id"]).status_code == 409
        assert suspend(client, admin, 999_999).status_code == 404
        empty = suspend(client, admin, supplier["id"], reason="")
        assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "reason"

    def test_a_retried_suspension_is_recorded_once(
        self, client: TestClient, sessions: SessionFactory, admin: str, supplier: dict[str, Any]
    ) -> None:
        headers = auth(admin) | {"Idempotency-Key": "suspend-1"}
        url = f"/api/v1/orgs/{supplier['id']}/suspension"
        first = client.post(url, json={"reason": "audit"}, headers=headers)
        again = client.post(url, json={"reason": "audit"}, headers=headers)
        assert (first.status_code, again.status_code) == (201, 201)
        assert again.headers.get("Idempotent-Replayed") == "true"
        with sessions.read() as session:
            count = session.scalars(
                select(Record.id).where(Record.subject_org_id == supplier["id"])
            ).all()
        assert len(count) == 1


class TestConsumerPage:
    def test_pages_say_the_supplier_is_suspended_until_lifted(
        self, client: TestClient, admin: str, supplier: dict[str, Any]
    ) -> None:
        batch = make_batch(client, supplier["key"])
        path = f"/01/{batch['gtin']}/10/{batch['lot']}"
        assert 'id="suspension-banner"' not in client.get(path, headers=HTML).text
        assert (
            suspend(client, admin, supplier["id"], reason="counterfeit labels").status_code == 201
        )
        page = client.get(path, headers=HTML).text
        assert 'id="suspension-banner"' in page and "counterfeit labels" in page
        facts = client.get(path, headers={"Accept": "application/json"}).json()
        assert facts["supplier"]["suspended"] is True
        assert facts["supplier"]["suspension_reason"] == "counterfeit labels"
        assert lift(client, admin, supplier["id"]).status_code == 200
        assert 'id="suspension-banner"' not in client.get(path, headers=HTML).text


class TestOrgAuditTrail:
    def test_decisions_are_anchored_and_verified(
        self,
        client: TestClient,
        sessions: SessionFactory,
        worker: AnchoringWorker,
        admin: str,
        supplier: dict[str, Any],
    ) -> None:
        suspend(client, admin, supplier["id"])
        lift(client, admin, supplier["id"])
        url = f"/api/v1/orgs/{supplier['id']}/audit"
        pending = client.get(url, headers=auth(supplier["key"])).json()
        assert pending["verdict"] == "pending"
        worker.tick()
        trail = client.get(url, headers=auth(admin)).json()
        assert trail["verdict"] == "authentic"
        assert trail["chain_check"] == {"continuous": True, "links_ok": True, "problems": []}
        first, second = trail["items"]
        assert [first["verdict"], second["verdict"]] == ["verified", "verified"]
        assert first["record"]["v"] == 2
        assert first["record"]["subject"] == {"org": supplier["slug"]}
        assert first["record"]["event"]["lp:suspension"]["action"] == "suspend"
        assert second["record"]["event"]["lp:suspension"]["action"] == "lift"
        assert second["prev"] == first["digest"]
        assert digest_to_hex(record_digest(first["record"])) == first["digest"]
        assert first["anchor"]["final"] is True and first["proof"] is not None

    def test_an_altered_decision_shows_as_tampered(
        self,
        client: TestClient,
        sessions: SessionFactory,
        worker: AnchoringWorker,
        admin: str,
        supplier: dict[str, Any],
    ) -> None:
        suspend(client, admin, supplier["id"], reason="forged test report")
        worker.tick()
        with sessions.write() as session, session.begin():
            record = session.scalars(
                select(Record).where(Record.subject_org_id == supplier["id"])
            ).one()
            content = json.loads(record.content or "{}")
            content["event"]["lp:suspension"]["reason"] = "minor paperwork"
            session.execute(
                update(Record).where(Record.id == record.id).values(content=json.dumps(content))
            )
        trail = client.get(f"/api/v1/orgs/{supplier['id']}/audit", headers=auth(admin)).json()
        assert trail["verdict"] == "tampered"
        assert trail["items"][0]["verdict"] == "tampered"

    def test_who_reads_an_organisations_trail(
        self, client: TestClient, sessions: SessionFactory, admin: str, supplier: dict[str, Any]
    ) -> None:
        _, inspector = make_org(sessions, OrgRole.inspector)
        _, other = make_org(sessions)
        url = f"/api/v1/orgs/{supplier['id']}/audit"
        assert client.get(url, headers=auth(inspector)).status_code == 200
        assert client.get(url, headers=auth(supplier["key"])).status_code == 200
        assert client.get(url, headers=auth(other)).status_code == 403
        assert client.get("/api/v1/orgs/999999/audit", headers=auth(admin)).status_code == 404
