"""Supplier certificates: anchored in the organisation's history, revocable, and required by
product categories before a supplier may create or ship their batches."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from service.anchoring.worker import AnchoringWorker
from service.certificates.expiry import announce_expiring
from service.certificates.validity import utc_day
from service.db.base import utcnow
from service.db.engine import SessionFactory
from service.db.models import Organization, OrgRole, Record, WebhookDelivery
from service.verdicts.service import verify_org
from tests.builders import auth, event_body, make_org, make_product, random_gtin, random_lot

CERT = "iso-9001"


@dataclass(frozen=True)
class Org:
    slug: str
    key: str
    id: int


def new_org(sessions: SessionFactory, role: OrgRole = OrgRole.supplier) -> Org:
    slug, key = make_org(sessions, role)
    with sessions.read() as session:
        org_id = session.scalars(select(Organization.id).where(Organization.slug == slug)).one()
    return Org(slug, key, org_id)


def today() -> date:
    return utc_day(utcnow())


def days(n: int) -> str:
    return (today() + timedelta(days=n)).isoformat()


@pytest.fixture
def admin(sessions: SessionFactory) -> Org:
    return new_org(sessions, OrgRole.admin)


@pytest.fixture
def supplier(sessions: SessionFactory) -> Org:
    return new_org(sessions)


@pytest.fixture
def tea(client: TestClient, admin: Org) -> str:
    """A fresh category that requires an iso-9001 certificate."""
    name = f"tea-{secrets.token_hex(4)}"
    body = {"required_certificates": [CERT]}
    response = client.put(f"/api/v1/categories/{name}", json=body, headers=auth(admin.key))
    assert response.status_code == 201, response.text
    return name


def product_in(client: TestClient, org: Org, category: str) -> str:
    gtin = random_gtin()
    body = {"gtin": gtin, "name": "Longjing", "category": category}
    response = client.post("/api/v1/products", json=body, headers=auth(org.key))
    assert response.status_code == 201, response.text
    return gtin


def post_cert(client: TestClient, key: str, org_id: int, **fields: Any) -> httpx.Response:
    body = {
        "type": CERT,
        "issuer": "SGS",
        "number": f"CN-{secrets.token_hex(3)}",
        "valid_from": days(-365),
        "valid_to": days(365),
    } | fields
    response: httpx.Response = client.post(
        f"/api/v1/orgs/{org_id}/certificates", json=body, headers=auth(key)
    )
    return response


def record_cert(client: TestClient, org: Org, **fields: Any) -> dict[str, Any]:
    response = post_cert(client, org.key, org.id, **fields)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def post_batch(client: TestClient, org: Org, gtin: str) -> httpx.Response:
    body = {"gtin": gtin, "lot": random_lot(), "quantity": 100, "unit": "KGM",
            "produced_at": "2026-11-02T08:00:00+08:00"}  # fmt: skip
    response: httpx.Response = client.post("/api/v1/batches", json=body, headers=auth(org.key))
    return response


def ship(client: TestClient, org: Org, batch_id: int, receiver: str) -> httpx.Response:
    body = event_body("shipping") | {"receiver": receiver}
    url = f"/api/v1/batches/{batch_id}/events"
    response: httpx.Response = client.post(url, json=body, headers=auth(org.key))
    return response


def revoke(client: TestClient, key: str, certificate_id: int) -> httpx.Response:
    body = {"reason": "audit failed"}
    url = f"/api/v1/certificates/{certificate_id}/revoke"
    response: httpx.Response = client.post(url, json=body, headers=auth(key))
    return response


def refusal(response: httpx.Response) -> dict[str, Any]:
    """The one certificate problem of a 409, checked against its detail."""
    assert response.status_code == 409, response.text
    problem = response.json()
    [error] = problem["errors"]
    assert error["field"] == "certificate" and error["certificate"] == CERT
    assert error["message"] == problem["detail"]
    result: dict[str, Any] = error
    return result


def org_record_count(sessions: SessionFactory, org_id: int) -> int:
    with sessions.read() as session:
        query = select(func.count()).select_from(Record).where(Record.subject_org_id == org_id)
        return int(session.scalar(query) or 0)


class TestRecordCertificate:
    def test_recorded_in_the_org_history_and_verified_once_anchored(
        self, client: TestClient, sessions: SessionFactory, worker: AnchoringWorker, supplier: Org
    ) -> None:
        scan = f"certificate scan {secrets.token_hex(8)}".encode()
        uploaded = client.post(
            "/api/v1/files", files={"file": ("cert.txt", scan)}, headers=auth(supplier.key)
        )
        assert uploaded.status_code == 201, uploaded.text
        evidence = uploaded.json()["digest"]
        created = record_cert(
            client, supplier, valid_from="2026-01-01", valid_to="2099-12-31", evidence=[evidence]
        )
        assert created["org"] == supplier.slug and created["status"] == "valid"
        assert created["record"]["n"] == 0 and created["record"]["status"] == "pending"
        assert created["evidence"] == [evidence] and created["revocation_record"] is None
        worker.anchor_all_pending()
        with sessions.read() as session:
            org = session.get(Organization, supplier.id)
            assert org is not None
            verification = verify_org(session, org)
        assert verification.verdict == "authentic"
        [record] = verification.records
        assert record.digest == created["record"]["digest"] and record.verdict == "verified"
        with sessions.read() as session:
            query = select(Record.content).where(Record.subject_org_id == supplier.id)
            content = json.loads(session.scalars(query).one() or "null")
        assert content["v"] == 2 and content["subject"] == {"org": supplier.slug}
        assert content["event"]["type"] == "lp:CertificateEvent"
        assert content["event"]["lp:certificate"] == {
            "type": CERT,
            "issuer": "SGS",
            "number": created["number"],
            "validFrom": "2026-01-01",
            "validTo": "2099-12-31",
            "evidence": [evidence],
        }
        read = client.get(f"/api/v1/certificates/{created['id']}", headers=auth(supplier.key))
        assert read.json()["record"]["status"] == "anchored"

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"valid_from": "2026-05-02", "valid_to": "2026-05-01"}, "valid_to"),
            ({"type": "ISO 9001"}, "type"),
            ({"type": ""}, "type"),
            ({"issuer": "   "}, "issuer"),
            ({"number": ""}, "number"),
            ({"valid_from": "someday"}, "valid_from"),
            ({"evidence": ["0x" + "ab" * 32]}, "evidence.0"),
            ({"evidence": ["0x12"]}, "evidence.0"),
            ({"colour": "gold"}, "colour"),
        ],
    )
    def test_bad_input_is_422_naming_the_field(
        self,
        client: TestClient,
        sessions: SessionFactory,
        supplier: Org,
        fields: dict[str, Any],
        field: str,
    ) -> None:
        response = post_cert(client, supplier.key, supplier.id, **fields)
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == field
        assert org_record_count(sessions, supplier.id) == 0

    def test_only_the_org_itself_or_an_admin_records(
        self, client: TestClient, sessions: SessionFactory, supplier: Org, admin: Org
    ) -> None:
        for role in (OrgRole.supplier, OrgRole.inspector):
            other = new_org(sessions, role)
            assert post_cert(client, other.key, supplier.id).status_code == 403
        assert post_cert(client, admin.key, supplier.id).status_code == 201
        assert post_cert(client, admin.key, 10**9).status_code == 404
        assert org_record_count(sessions, supplier.id) == 1

    def test_idempotent_retry_writes_once(
        self, client: TestClient, sessions: SessionFactory, supplier: Org
    ) -> None:
        key = {"Idempotency-Key": f"cert-{secrets.token_hex(4)}"}
        body = {"type": CERT, "issuer": "SGS", "number": "N-1", "valid_from": days(-1),
                "valid_to": days(100)}  # fmt: skip
        url = f"/api/v1/orgs/{supplier.id}/certificates"
        first = client.post(url, json=body, headers=auth(supplier.key) | key)
        again = client.post(url, json=body, headers=auth(supplier.key) | key)
        assert first.status_code == again.status_code == 201
        assert again.headers["Idempotent-Replayed"] == "true"
        assert again.json() == first.json()
        assert org_record_count(sessions, supplier.id) == 1


class TestReadCertificates:
    def test_the_org_inspectors_and_admins_read_others_do_not(
        self, client: TestClient, sessions: SessionFactory, supplier: Org, admin: Org
    ) -> None:
        valid = record_cert(client, supplier)
        expired = record_cert(client, supplier, valid_from=days(-30), valid_to=days(-1))
        url = f"/api/v1/orgs/{supplier.id}/certificates"
        inspector = new_org(sessions, OrgRole.inspector)
        for key in (supplier.key, inspector.key, admin.key):
            listed = client.get(url, headers=auth(key)).json()["items"]
            assert [(c["id"], c["status"]) for c in listed] == [
                (valid["id"], "valid"),
                (expired["id"], "expired"),
            ]
        only_valid = client.get(url, params={"status": "valid"}, headers=auth(supplier.key))
        assert [c["id"] for c in only_valid.json()["items"]] == [valid["id"]]
        page = client.get(url, params={"limit": 1}, headers=auth(supplier.key)).json()
        assert [c["id"] for c in page["items"]] == [valid["id"]]
        assert page["next_cursor"] == valid["id"]
        other = new_org(sessions)
        assert client.get(url, headers=auth(other.key)).status_code == 403
        one = f"/api/v1/certificates/{valid['id']}"
        assert client.get(one, headers=auth(other.key)).status_code == 403
        assert client.get(one, headers=auth(inspector.key)).json()["number"] == valid["number"]


class TestRevoke:
    def test_revocation_is_recorded_once_and_closes_the_gate(
        self,
        client: TestClient,
        sessions: SessionFactory,
        worker: AnchoringWorker,
        supplier: Org,
        tea: str,
    ) -> None:
        gtin = product_in(client, supplier, tea)
        certificate = record_cert(client, supplier)
        assert post_batch(client, supplier, gtin).status_code == 201
        stranger = new_org(sessions)
        assert revoke(client, stranger.key, certificate["id"]).status_code == 403
        revoked = revoke(client, supplier.key, certificate["id"])
        assert revoked.status_code == 200, revoked.text
        assert revoked.json()["status"] == "revoked"
        assert revoked.json()["revocation_reason"] == "audit failed"
        assert revoked.json()["revocation_record"]["n"] == 1
        assert revoke(client, supplier.key, certificate["id"]).status_code == 409
        error = refusal(post_batch(client, supplier, gtin))
        assert error["reason"] == "revoked" and "was revoked on" in error["message"]
        worker.anchor_all_pending()
        with sessions.read() as session:
            org = session.get(Organization, supplier.id)
            assert org is not None
            verification = verify_org(session, org)
        assert verification.verdict == "authentic"
        assert [r.type for r in verification.records] == ["certificate", "certificate_revoked"]


class TestGating:
    def test_batch_refused_when_the_certificate_is_missing(
        self, client: TestClient, supplier: Org, tea: str
    ) -> None:
        gtin = product_in(client, supplier, tea)
        record_cert(client, supplier, type="haccp")  # not the one required
        error = refusal(post_batch(client, supplier, gtin))
        assert error["reason"] == "missing" and error["category"] == tea
        assert error["message"] == f"certificate '{CERT}' required for category '{tea}' is missing"

    def test_expired_yesterday_is_refused_and_valid_to_today_is_allowed(
        self, client: TestClient, supplier: Org, tea: str
    ) -> None:
        gtin = product_in(client, supplier, tea)
        record_cert(client, supplier, valid_from=days(-400), valid_to=days(-1))
        error = refusal(post_batch(client, supplier, gtin))
        assert error["reason"] == "expired"
        assert f"expired on {today().isoformat()}" in error["message"]
        record_cert(client, supplier, valid_from=days(-30), valid_to=days(0))
        assert post_batch(client, supplier, gtin).status_code == 201

    def test_a_certificate_not_valid_yet_does_not_count(
        self, client: TestClient, supplier: Org, tea: str
    ) -> None:
        gtin = product_in(client, supplier, tea)
        record_cert(client, supplier, valid_from=days(1), valid_to=days(300))
        error = refusal(post_batch(client, supplier, gtin))
        assert error["reason"] == "not_yet_valid" and days(1) in error["message"]

    def test_no_category_or_no_requirement_needs_nothing(
        self, client: TestClient, supplier: Org, admin: Org
    ) -> None:
        assert post_batch(client, supplier, make_product(client, supplier.key)).status_code == 201
        name = f"loose-{secrets.token_hex(4)}"
        client.put(f"/api/v1/categories/{name}", json={}, headers=auth(admin.key))
        assert post_batch(client, supplier, product_in(client, supplier, name)).status_code == 201

    def test_the_owner_ships_only_with_a_valid_certificate_a_carrier_always(
        self, client: TestClient, sessions: SessionFactory, supplier: Org, tea: str
    ) -> None:
        carrier = new_org(sessions, OrgRole.logistics)
        shop = new_org(sessions, OrgRole.retailer)
        first = record_cert(client, supplier)
        batch = post_batch(client, supplier, product_in(client, supplier, tea)).json()
        assert revoke(client, supplier.key, first["id"]).status_code == 200
        assert refusal(ship(client, supplier, batch["id"], carrier.slug))["reason"] == "revoked"
        record_cert(client, supplier, valid_from=days(-400), valid_to=days(-1))
        assert refusal(ship(client, supplier, batch["id"], carrier.slug))["reason"] == "expired"
        record_cert(client, supplier, valid_from=days(-30), valid_to=days(0))
        assert ship(client, supplier, batch["id"], carrier.slug).status_code == 201
        receipt = event_body("receiving", hours=1)
        headers = auth(carrier.key)
        url = f"/api/v1/batches/{batch['id']}/events"
        assert client.post(url, json=receipt, headers=headers).status_code == 201
        # The carrier holds no certificate: shipping by a custodian other than the owner is not
        # gated, whatever the owner's certificates say.
        assert ship(client, carrier, batch["id"], shop.slug).status_code == 201

    def test_bulk_shipping_by_the_owner_is_gated_too(
        self, client: TestClient, sessions: SessionFactory, supplier: Org, tea: str
    ) -> None:
        carrier = new_org(sessions, OrgRole.logistics)
        certificate = record_cert(client, supplier)
        batch = post_batch(client, supplier, product_in(client, supplier, tea)).json()
        revoke(client, supplier.key, certificate["id"])
        rows = [event_body("packing"), event_body("shipping", hours=1) | {"receiver": carrier.slug}]
        response = client.post(
            f"/api/v1/batches/{batch['id']}/events:bulk",
            json={"events": rows},
            headers=auth(supplier.key),
        )
        assert response.status_code == 422, response.text
        [error] = response.json()["errors"]
        assert error["row"] == 1 and error["field"] == "certificate"
        assert f"'{CERT}'" in error["message"]

    def test_transformation_outputs_are_gated(
        self, client: TestClient, supplier: Org, tea: str
    ) -> None:
        source = post_batch(client, supplier, make_product(client, supplier.key)).json()
        body = {
            "inputs": [{"batch_id": source["id"], "quantity": 50}],
            "output": {"gtin": product_in(client, supplier, tea), "lot": random_lot(),
                       "quantity": 50, "unit": "KGM", "produced_at": "2026-11-04T08:00:00Z"},
            "event_time": "2026-11-04T09:30:00Z",
            "location": "Mill 1",
        }  # fmt: skip
        headers = auth(supplier.key)
        refusal(client.post("/api/v1/transformations", json=body, headers=headers))
        record_cert(client, supplier)
        made = client.post("/api/v1/transformations", json=body, headers=headers)
        assert made.status_code == 201, made.text


class TestExpiring:
    def test_suppliers_see_their_own_inspectors_everybody_s(
        self, client: TestClient, sessions: SessionFactory, supplier: Org, admin: Org
    ) -> None:
        other = new_org(sessions)
        soon = record_cert(client, supplier, valid_to=days(5))
        later = record_cert(client, supplier, valid_to=days(40))
        revoked = record_cert(client, supplier, valid_to=days(3))
        revoke(client, supplier.key, revoked["id"])
        record_cert(client, supplier, valid_from=days(-90), valid_to=days(-1))
        today_ = record_cert(client, supplier, valid_to=days(0))
        theirs = record_cert(client, other, valid_to=days(4))

        def expiring(key: str, **params: Any) -> list[int]:
            response = client.get("/api/v1/certificates/expiring", params=params, headers=auth(key))
            assert response.status_code == 200, response.text
            return [c["id"] for c in response.json()["items"]]

        assert expiring(supplier.key) == [today_["id"], soon["id"]]
        assert expiring(supplier.key, days=60) == [today_["id"], soon["id"], later["id"]]
        inspector = new_org(sessions, OrgRole.inspector)
        for key in (inspector.key, admin.key):
            mine = {today_["id"], soon["id"], theirs["id"], later["id"], revoked["id"]}
            seen = [i for i in expiring(key) if i in mine]
            assert seen == [today_["id"], theirs["id"], soon["id"]]

    @pytest.mark.parametrize("role", [OrgRole.logistics, OrgRole.retailer])
    def test_other_roles_are_refused(
        self, client: TestClient, sessions: SessionFactory, role: OrgRole
    ) -> None:
        key = new_org(sessions, role).key
        response = client.get("/api/v1/certificates/expiring", headers=auth(key))
        assert response.status_code == 403

    @pytest.mark.parametrize(("value", "status"), [(0, 422), (1, 200), (365, 200), (366, 422)])
    def test_days_are_bounded(
        self, client: TestClient, supplier: Org, value: int, status: int
    ) -> None:
        response = client.get(
            "/api/v1/certificates/expiring", params={"days": value}, headers=auth(supplier.key)
        )
        assert response.status_code == status
        if status == 422:
            assert response.json()["errors"][0]["field"] == "days"


class TestAnnounceExpiring:
    def test_each_certificate_is_announced_once(
        self, client: TestClient, sessions: SessionFactory, supplier: Org
    ) -> None:
        hook = {"url": "http://127.0.0.1:9/hook", "events": ["certificate.expiring"]}
        subscription = client.post("/api/v1/webhooks", json=hook, headers=auth(supplier.key))
        assert subscription.status_code == 201, subscription.text
        soon = record_cert(client, supplier, valid_to=days(10))
        record_cert(client, supplier, valid_to=days(45))  # outside the notice period
        revoked = record_cert(client, supplier, valid_to=days(8))
        revoke(client, supplier.key, revoked["id"])
        for _ in range(2):
            with sessions.write() as session, session.begin():
                announce_expiring(session, utcnow(), 30)
        with sessions.read() as session:
            query = select(WebhookDelivery).where(
                WebhookDelivery.subscription_id == subscription.json()["id"]
            )
            deliveries = [(d.event_type, d.payload) for d in session.scalars(query)]
        [(event_type, payload)] = deliveries
        assert event_type == "certificate.expiring"
        assert payload["certificate_id"] == soon["id"] and payload["days_left"] == 10
        assert payload["valid_to"] == days(10) and payload["org_id"] == supplier.id
