"""Who did it, truthfully (issue 20, part 1; docs/design.md §2.9).

Every record shows who really acted: an organisation by its name, a member of the public, or
the service. Records anchored before the reserved actors existed named the lot's owner for a
shopper's complaint and for the service's automatic alert; they are read from their content.
Organisations with Chinese names get readable slugs, and an operator may choose one.
"""

from __future__ import annotations

import itertools
import json
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from service.app import create_app
from service.cli import app as cli
from service.config import Settings
from service.db.engine import SessionFactory
from service.db.models import Organization, OrgRole, Record
from service.errors import Conflict, InvalidInput
from service.orgs.repository import OrgRepository
from service.orgs.service import create_org
from service.records.actors import PUBLIC, SERVICE, THE_PUBLIC, THE_SERVICE, Actor
from service.records.epcis import LotQuantity, alert_event, complaint_event
from service.records.writer import NewRecord, append_record, lock_batch
from tests.builders import auth, make_product, random_lot

_NETWORKS = itertools.count(secrets.randbelow(2**16))
NOW = datetime(2026, 11, 20, 8, tzinfo=UTC)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    tuned = settings.model_copy(
        update={"complaints_per_source_per_hour": 100, "trust_forwarded_for": True}
    )
    with TestClient(create_app(tuned)) as test_client:
        yield test_client


def new_org(sessions: SessionFactory, name: str, role: OrgRole = OrgRole.supplier) -> Any:
    with sessions.write() as session, session.begin():
        return create_org(session, name=f"{name} {secrets.token_hex(3)}", role=role)


def new_batch(client: TestClient, key: str, quantity: float = 10) -> dict[str, Any]:
    body = {
        "gtin": make_product(client, key),
        "lot": random_lot(),
        "quantity": quantity,
        "unit": "H87",
        "produced_at": "2026-11-02T08:00:00+08:00",
    }
    response = client.post("/api/v1/batches", json=body, headers=auth(key))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def complain(client: TestClient, batch: dict[str, Any]) -> None:
    network = next(_NETWORKS) % 2**16
    body = {
        "link": f"/01/{batch['gtin']}/10/{batch['lot']}",
        "category": "safety",
        "description": "It made me ill.",
    }
    address = {"X-Forwarded-For": f"10.{network // 256}.{network % 256}.7"}
    response = client.post("/api/v1/complaints", json=body, headers=address)
    assert response.status_code == 201, response.text


def page_records(client: TestClient, batch: dict[str, Any]) -> list[dict[str, Any]]:
    url = f"/01/{batch['gtin']}/10/{batch['lot']}"
    response = client.get(url, headers={"Accept": "application/json"})
    assert response.status_code == 200, response.text
    records: list[dict[str, Any]] = response.json()["records"]
    return records


def audit_items(client: TestClient, key: str, batch: dict[str, Any]) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/batches/{batch['id']}/audit", headers=auth(key))
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def who(record: dict[str, Any]) -> tuple[str, str | None]:
    return record["actor_kind"], record["actor_name"]


# --- writing records the old way, through the writer ------------------------------------


def _complaint(status: str) -> dict[str, Any]:
    return complaint_event(
        at=NOW,
        code="C-LEGACY",
        category="safety",
        status=status,
        reason="filed" if status == "received" else f"now {status}",
        evidence=[],
        description="It made me ill.",
    )


def _alert(batch_lot: LotQuantity, review: dict[str, str] | None) -> dict[str, Any]:
    numbers: dict[str, Any] = {"window_days": 30, "complaints": 3, "threshold": 3}
    if review is not None:
        numbers["review"] = review
    return alert_event(at=NOW, lot=batch_lot, confirmed=True, alert=numbers)


def write(sessions: SessionFactory, batch_id: int, kinds: list[tuple[str, str | Actor]]) -> None:
    """Append records to the batch as producers once did: each (what, actor), where what is
    a complaint status or "alert" / "reviewed alert", and a string actor is an org's slug."""
    with sessions.write() as session, session.begin():
        batch = lock_batch(session, batch_id)
        orgs = OrgRepository(session)
        for what, actor in kinds:
            by = orgs.get_by_slug(actor) if isinstance(actor, str) else actor
            assert by is not None
            if what == "alert":
                event, event_type = _alert(LotQuantity.whole(batch), None), "quality_alert"
            elif what == "reviewed alert":
                review = {"decision": "confirmed", "reason": "lab results"}
                event, event_type = _alert(LotQuantity.whole(batch), review), "quality_alert"
            else:
                event, event_type = _complaint(what), "complaint"
            append_record(session, batch, NewRecord(event, event_type, NOW, by))


# --- the checks -------------------------------------------------------------------------


class TestRecordsNameWhoActed:
    def test_legacy_filings_and_automatic_alerts_are_read_from_their_content(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        supplier = new_org(sessions, "Acme Farms")
        desk = new_org(sessions, "Quality desk", OrgRole.admin)
        batch = new_batch(client, supplier.api_key)
        write(
            sessions,
            batch["id"],
            [
                ("received", supplier.slug),  # a shopper's filing, kept in the owner's name
                ("acknowledged", supplier.slug),  # the supplier's own answer
                ("alert", supplier.slug),  # raised and held by the service, owner's name
                ("reviewed alert", desk.slug),  # the desk's decision
            ],
        )
        with sessions.write() as session, session.begin():
            owner = session.get(Organization, supplier.id)
            assert owner is not None
            owner.require_signatures = True
        records = page_records(client, batch)
        assert [r["actor"] for r in records] == [supplier.slug] * 3 + [desk.slug]
        supplier_name = _name(sessions, supplier.id)
        assert [who(r) for r in records] == [
            ("public", None),
            ("organisation", supplier_name),
            ("service", None),
            ("organisation", _name(sessions, desk.id)),
        ]
        # Nobody from the supplier made the filing or the alert, so they owe no signature.
        assert [r["signature_missing"] for r in records] == [False, True, False, False]
        audited = audit_items(client, desk.api_key, batch)
        assert [(a["actor_kind"], a["actor_name"]) for a in audited] == [who(r) for r in records]

    def test_reserved_actors_name_no_organisation(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        supplier = new_org(sessions, "Acme Farms")
        batch = new_batch(client, supplier.api_key)
        write(sessions, batch["id"], [("received", THE_PUBLIC), ("alert", THE_SERVICE)])
        records = page_records(client, batch)
        assert [r["actor"] for r in records] == [PUBLIC, SERVICE]
        assert [who(r) for r in records] == [("public", None), ("service", None)]
        with sessions.read() as session:
            query = select(Record.actor_org_id).where(Record.batch_id == batch["id"])
            rows = session.scalars(query).all()
        assert rows == [None, None]

    def test_the_quality_desk_decides_in_its_own_name(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        supplier = new_org(sessions, "Acme Farms")
        desk = new_org(sessions, "Quality desk", OrgRole.admin)
        batch = new_batch(client, supplier.api_key)
        for _ in range(3):
            complain(client, batch)
        url = f"/api/v1/complaints/reviews/{batch['id']}/confirm"
        response = client.post(url, json={"reason": "lab results"}, headers=auth(desk.api_key))
        assert response.status_code in (200, 201), response.text
        records = page_records(client, batch)
        filings = [r for r in records if r["type"] == "complaint"]
        [alert] = [r for r in records if r["type"] == "quality_alert"]
        # The shopper filed them, whether recorded as the public or (older) in the owner's name.
        assert [who(r) for r in filings] == [("public", None)] * 3
        assert alert["actor"] == desk.slug
        assert who(alert) == ("organisation", _name(sessions, desk.id))
        assert _name(sessions, supplier.id) not in {r["actor_name"] for r in [*filings, alert]}


def _name(sessions: SessionFactory, org_id: int) -> str:
    with sessions.read() as session:
        org = session.get(Organization, org_id)
        assert org is not None
        return org.name


class TestSlugs:
    def test_a_chinese_name_gets_a_pinyin_slug(self, sessions: SessionFactory) -> None:
        tag = secrets.token_hex(3)
        with sessions.write() as session, session.begin():
            first = create_org(session, name=f"金华火腿食品 {tag}", role=OrgRole.supplier)
            again = create_org(session, name=f"金华火腿食品 {tag}", role=OrgRole.supplier)
        assert first.slug == f"jin-hua-huo-tui-shi-pin-{tag}"
        assert again.slug == f"{first.slug}-2"

    def test_the_operator_may_choose_a_slug(self, sessions: SessionFactory) -> None:
        chosen = f"jinhua-ham-{secrets.token_hex(3)}"
        with sessions.write() as session, session.begin():
            created = create_org(session, name="金华火腿食品", role=OrgRole.supplier, slug=chosen)
        assert created.slug == chosen
        with sessions.write() as session, pytest.raises(Conflict), session.begin():
            create_org(session, name="Other", role=OrgRole.supplier, slug=chosen)
        for refused in ("service", "Jinhua", "jinhua--ham", "x" * 49):
            with sessions.write() as session, pytest.raises(InvalidInput), session.begin():
                create_org(session, name="Other", role=OrgRole.supplier, slug=refused)

    def test_the_cli_takes_a_slug_and_refuses_a_bad_one(
        self, database_url: str, sessions: SessionFactory, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        env = {"LOTPROOF_ENV": "dev", "LOTPROOF_DATABASE_URL": database_url}
        env["LOTPROOF_RPC_URL"] = "http://127.0.0.1:1"
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        chosen = f"lv-yuan-{secrets.token_hex(3)}"
        args = ["org", "create", "--name", "绿源", "--role", "supplier", "--slug", chosen]
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["slug"] == chosen
        taken = CliRunner().invoke(cli, args)
        assert taken.exit_code != 0 and "taken" in taken.output
        reserved = CliRunner().invoke(cli, [*args[:-1], "public"])
        assert reserved.exit_code != 0 and "reserved" in reserved.output
        with sessions.read() as session:
            query = select(Organization).where(Organization.slug == chosen)
            assert session.scalars(query).one().name == "绿源"
