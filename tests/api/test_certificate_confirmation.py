"""Certificates labelled by who vouches for them: declared by the supplier (and anchored), or
confirmed by an inspector or an admin, the confirmation a record of the supplier's own history.
Revoking a certificate still wins. Seen by shoppers through the consumer JSON."""

from __future__ import annotations

import json
import secrets
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from service.anchoring.worker import AnchoringWorker
from service.db.engine import SessionFactory
from service.db.models import Organization, OrgRole, Record
from service.verdicts.service import verify_org
from tests.api.test_certificates import Org, new_org, record_cert, revoke
from tests.builders import auth, make_batch, scan

Json = dict[str, Any]


def confirm(client: TestClient, key: str, certificate_id: int, **body: Any) -> httpx.Response:
    url = f"/api/v1/certificates/{certificate_id}/confirm"
    response: httpx.Response = client.post(url, json=body, headers=auth(key))
    return response


def org_name(sessions: SessionFactory, org: Org) -> str:
    with sessions.read() as session:
        found = session.get(Organization, org.id)
        assert found is not None
        return found.name


def shown_certificates(client: TestClient, supplier: Org) -> list[Json]:
    """The supplier's certificates as a shopper's scan of one of its lots shows them."""
    certificates: list[Json] = scan(client, make_batch(client, supplier.key))["supplier"][
        "certificates"
    ]
    return certificates


def upload(client: TestClient, key: str) -> str:
    body = f"inspection report {secrets.token_hex(8)}".encode()
    response = client.post("/api/v1/files", files={"file": ("report.txt", body)}, headers=auth(key))
    assert response.status_code == 201, response.text
    digest: str = response.json()["digest"]
    return digest


@pytest.fixture
def supplier(sessions: SessionFactory) -> Org:
    return new_org(sessions)


@pytest.fixture
def inspector(sessions: SessionFactory) -> Org:
    return new_org(sessions, OrgRole.inspector)


class TestDeclaredByTheSupplier:
    def test_a_certificate_nobody_confirmed_says_so(
        self, client: TestClient, supplier: Org
    ) -> None:
        created = record_cert(client, supplier)
        assert created["vouched_by"] == "supplier" and created["confirmed_by"] is None
        assert created["confirmation_record"] is None
        [shown] = shown_certificates(client, supplier)
        assert shown["number"] == created["number"]
        assert shown["vouched_by"] == "supplier"
        assert shown["confirmed_by"] is None and shown["confirmed_at"] is None


class TestConfirm:
    def test_an_inspector_confirms_in_the_suppliers_history(
        self,
        client: TestClient,
        sessions: SessionFactory,
        worker: AnchoringWorker,
        supplier: Org,
        inspector: Org,
    ) -> None:
        created = record_cert(client, supplier)
        evidence = upload(client, inspector.key)
        note = "Original seen at the plant; SGS confirmed the number by phone."
        response = confirm(client, inspector.key, created["id"], note=note, evidence=[evidence])
        assert response.status_code == 200, response.text
        confirmed = response.json()
        assert confirmed["vouched_by"] == "inspector"
        assert confirmed["confirmed_by"] == inspector.slug
        assert confirmed["confirmation_note"] == note
        assert confirmed["confirmation_evidence"] == [evidence]
        assert confirmed["confirmation_record"]["n"] == 1
        assert confirmed["status"] == "valid" and confirmed["confirmed_at"] is not None

        with sessions.read() as session:
            query = select(Record.content).where(
                Record.subject_org_id == supplier.id, Record.n == 1
            )
            record = json.loads(session.scalars(query).one())
        assert record["actor"] == inspector.slug and record["subject"] == {"org": supplier.slug}
        assert record["event"]["type"] == "lp:CertificateEvent"
        assert record["event"]["lp:certificate"] == {
            "id": created["id"],
            "type": created["type"],
            "number": created["number"],
            "status": "confirmed",
            "note": note,
            "evidence": [evidence],
        }

        [shown] = shown_certificates(client, supplier)
        assert shown["vouched_by"] == "inspector"
        assert shown["confirmed_by"] == org_name(sessions, inspector)  # a name, not a slug
        assert shown["confirmed_at"] == confirmed["confirmed_at"]

        worker.anchor_all_pending()
        with sessions.read() as session:
            org = session.get(Organization, supplier.id)
            assert org is not None
            verification = verify_org(session, org)
        assert verification.verdict == "authentic"
        assert [r.type for r in verification.records] == ["certificate", "certificate_confirmed"]

    def test_an_admin_confirms_without_note_or_evidence(
        self, client: TestClient, sessions: SessionFactory, supplier: Org
    ) -> None:
        admin = new_org(sessions, OrgRole.admin)
        created = record_cert(client, supplier)
        response = confirm(client, admin.key, created["id"])
        assert response.status_code == 200, response.text
        assert response.json()["vouched_by"] == "admin"
        assert response.json()["confirmation_note"] == ""
        [shown] = shown_certificates(client, supplier)
        assert (shown["vouched_by"], shown["confirmed_by"]) == ("admin", org_name(sessions, admin))


class TestWhoMayConfirm:
    @pytest.mark.parametrize("role", [OrgRole.supplier, OrgRole.logistics, OrgRole.retailer])
    def test_only_inspectors_and_admins(
        self, client: TestClient, sessions: SessionFactory, supplier: Org, role: OrgRole
    ) -> None:
        created = record_cert(client, supplier)
        other = new_org(sessions, role)
        assert confirm(client, other.key, created["id"]).status_code == 403
        assert confirm(client, supplier.key, created["id"]).status_code == 403  # not itself
        assert shown_certificates(client, supplier)[0]["vouched_by"] == "supplier"

    def test_nobody_confirms_its_own_certificate(self, client: TestClient, inspector: Org) -> None:
        own = record_cert(client, inspector)
        assert confirm(client, inspector.key, own["id"]).status_code == 403

    def test_unknown_certificate_is_404(self, client: TestClient, inspector: Org) -> None:
        assert confirm(client, inspector.key, 999_999_999).status_code == 404


class TestOnceAndRevocationWins:
    def test_confirmed_once(self, client: TestClient, supplier: Org, inspector: Org) -> None:
        created = record_cert(client, supplier)
        assert confirm(client, inspector.key, created["id"]).status_code == 200
        again = confirm(client, inspector.key, created["id"], note="again")
        assert again.status_code == 409 and "already confirmed" in again.json()["detail"]

    def test_a_revoked_certificate_is_not_confirmed(
        self, client: TestClient, supplier: Org, inspector: Org
    ) -> None:
        created = record_cert(client, supplier)
        assert revoke(client, supplier.key, created["id"]).status_code == 200
        refused = confirm(client, inspector.key, created["id"])
        assert refused.status_code == 409 and "revoked" in refused.json()["detail"]

    def test_revoking_a_confirmed_certificate_takes_it_off_the_page(
        self, client: TestClient, sessions: SessionFactory, supplier: Org, inspector: Org
    ) -> None:
        created = record_cert(client, supplier)
        assert confirm(client, inspector.key, created["id"]).status_code == 200
        admin = new_org(sessions, OrgRole.admin)
        revoked = revoke(client, admin.key, created["id"])
        assert revoked.status_code == 200, revoked.text
        assert revoked.json()["status"] == "revoked"
        assert revoked.json()["vouched_by"] == "inspector"  # the history is not rewritten
        assert shown_certificates(client, supplier) == []


class TestBadInput:
    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"note": "seen\u202e"}, "note"),
            ({"note": "x" * 501}, "note"),
            ({"evidence": ["0x" + "ab" * 32]}, "evidence.0"),
            ({"evidence": ["0x12"]}, "evidence.0"),
            ({"colour": "gold"}, "colour"),
        ],
    )
    def test_422_names_the_field(
        self, client: TestClient, supplier: Org, inspector: Org, body: Json, field: str
    ) -> None:
        created = record_cert(client, supplier)
        response = confirm(client, inspector.key, created["id"], **body)
        assert response.status_code == 422, response.text
        assert [e["field"] for e in response.json()["errors"]] == [field]
        assert shown_certificates(client, supplier)[0]["vouched_by"] == "supplier"
