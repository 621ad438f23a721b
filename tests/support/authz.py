"""The objects the authorisation matrix (tests/api/test_authorization_matrix.py) aims at.

One organisation per role, each holding one object of every kind it can hold, and a victim
supplier whose objects nobody else may reach. What an allowed call would use up (a key it
revokes, a complaint it moves on, a batch it recalls) is made fresh for each call instead.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from eth_account import Account
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient
from sqlalchemy import Boolean, ColumnElement, Integer, Select, Table, case, func, select

from service.config import Settings
from service.db.base import Base
from service.db.engine import SessionFactory
from service.db.models import Organization, OrgRole, Product
from tests.builders import auth, event_body, make_batch, make_org, make_product, post_event
from tests.support.settings import suite_settings
from tests.support.signing import register_address

Json = dict[str, Any]

# Written by reads too (``note_use``, at most once a minute per key).
VOLATILE_COLUMNS = {"api_keys.last_used_at"}
# Written by the app's chain watcher in the background, whatever the requests do.
BACKGROUND_TABLES = {"anchors", "deployments", "monitor_runs"}


@dataclass(frozen=True)
class Org:
    slug: str
    key: str
    id: int
    role: OrgRole

    @property
    def headers(self) -> dict[str, str]:
        return auth(self.key)


@dataclass(frozen=True)
class Holdings:
    """An organisation and one object of each kind it can hold.

    ``batch`` is in its custody: a supplier's own batch; for every other role a supplier's
    batch shipped to it and received, so that "its batch" is the one it holds.
    """

    org: Org
    account: LocalAccount  # registered as the organisation's signing address
    batch: Json
    record_id: int  # a record the organisation made, on ``batch``
    certificate_id: int
    webhook_id: int
    # Complaints land on a batch of their own: enough of them put a batch on hold.
    complaint_batch: Json
    complaint: str
    gtin: str | None = None  # its product: suppliers only
    product_id: int | None = None


@dataclass(frozen=True)
class Call:
    """One request, without its Authorization header."""

    method: str
    path: str
    json: Any = None
    files: dict[str, tuple[str, bytes, str]] | None = None

    def send(self, client: TestClient, headers: dict[str, str]) -> httpx.Response:
        response: httpx.Response = client.request(
            self.method, self.path, json=self.json, files=self.files, headers=headers
        )
        return response


MATRIX_SOURCE = {"X-Forwarded-For": "100.64.77.77"}  # no other test files complaints from its /24


def app_settings(database_url: str, rpc_url: str, files_dir: Path) -> Settings:
    """The suite's settings, for an app that serves a whole module; the matrix files dozens
    of complaints, all from one address (MATRIX_SOURCE)."""
    return suite_settings(database_url, rpc_url, files_dir).model_copy(
        update={"complaints_per_source_per_hour": 100_000, "trust_forwarded_for": True}
    )


def secured_operations(client: TestClient) -> set[tuple[str, str]]:
    """(method, path) of every operation the app's OpenAPI document says takes an API key."""
    document = client.get("/openapi.json").json()
    return {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if operation.get("security")
    }


def new_org(sessions: SessionFactory, role: OrgRole) -> Org:
    slug, key = make_org(sessions, role)
    with sessions.read() as session:
        org_id = session.scalars(select(Organization.id).where(Organization.slug == slug)).one()
    return Org(slug, key, org_id, role)


def created(response: httpx.Response, status: int = 201) -> Json:
    assert response.status_code == status, response.text
    body: Json = response.json()
    return body


def certificate_body() -> Json:
    today = datetime.now(UTC).date()  # the service's days are UTC days
    return {
        "type": "iso-9001",
        "issuer": "SGS",
        "number": f"CN-{secrets.token_hex(3)}",
        "valid_from": (today - timedelta(days=30)).isoformat(),
        "valid_to": (today + timedelta(days=300)).isoformat(),
    }


def batch_body(gtin: str) -> Json:
    return {
        "gtin": gtin,
        "lot": "L" + secrets.token_hex(4).upper(),
        "quantity": 1200,
        "unit": "KGM",
        "produced_at": "2026-11-02T08:00:00+08:00",
    }


@dataclass
class World:
    """The organisations of the matrix and fresh objects made as their owners make them."""

    client: TestClient
    sessions: SessionFactory
    admin: Org  # prepares targets (issues keys, suspends); never an actor of the matrix
    baseline: dict[str, int]  # highest row id per table when the world was made
    victim: Holdings = field(init=False)  # a supplier; ships the batches other roles hold
    actors: dict[OrgRole, Holdings] = field(default_factory=dict)
    recall_id: int = 0
    category: str = ""
    revoked_key: str = ""  # the supplier actor's, revoked

    def path_ids(self, target: Holdings) -> dict[str, Any]:
        """What the ids in a path template stand for: ``target``'s objects, or shared ones."""
        return {
            "batch_id": target.batch["id"],
            "org_id": target.org.id,
            "record_id": target.record_id,
            "code": target.complaint,
            "certificate_id": target.certificate_id,
            "subscription_id": target.webhook_id,
            "product_id": target.product_id,
            "recall_id": self.recall_id,
            "name": self.category,
        }

    def batch(self, holder: Org, gtin: str | None) -> Json:
        """A new batch in ``holder``'s custody (its own product's when ``gtin`` is given)."""
        if gtin is not None:
            return make_batch(self.client, holder.key, gtin=gtin)
        shipper = self.victim.org
        assert self.victim.gtin is not None
        batch = make_batch(self.client, shipper.key, gtin=self.victim.gtin)
        shipment = event_body("shipping") | {"receiver": holder.slug}
        post_event(self.client, shipper.key, batch["id"], shipment)
        post_event(self.client, holder.key, batch["id"], event_body("receiving", hours=1))
        return batch

    def record(self, holder: Org, batch: Json) -> Json:
        """A new record made by ``holder`` (a storage event on a batch it holds)."""
        return post_event(self.client, holder.key, batch["id"], event_body("storage", hours=2))

    def complaint(self, batch: Json) -> str:
        body = {
            "link": f"/01/{batch['gtin']}/10/{batch['lot']}",
            "category": "quality",
            "description": "The tea smells of smoke.",
            "contact": "shopper@example.com",
        }
        # From an address of its own: complaints are limited per source address, counted in
        # the session's shared database, and the suite's complaint tests file from the test
        # client's address.
        response = self.client.post("/api/v1/complaints", json=body, headers=MATRIX_SOURCE)
        code: str = created(response)["code"]
        return code

    def certificate(self, org: Org) -> int:
        url = f"/api/v1/orgs/{org.id}/certificates"
        response = self.client.post(url, json=certificate_body(), headers=org.headers)
        certificate_id: int = created(response)["id"]
        return certificate_id

    def webhook(self, org: Org) -> int:
        body = {"url": "https://hooks.example.com/lotproof", "events": ["recall.issued"]}
        response = self.client.post("/api/v1/webhooks", json=body, headers=org.headers)
        webhook_id: int = created(response)["id"]
        return webhook_id

    def key_prefix(self, org: Org) -> str:
        """A new key of ``org`` (issued by the admin), so revoking it leaves ``org.key``."""
        response = self.client.post(f"/api/v1/orgs/{org.id}/keys", headers=self.admin.headers)
        prefix: str = created(response)["prefix"]
        return prefix

    def suspended_org(self) -> Org:
        org = new_org(self.sessions, OrgRole.supplier)
        url = f"/api/v1/orgs/{org.id}/suspension"
        created(self.client.post(url, json={"reason": "audit"}, headers=self.admin.headers))
        return org

    def signer(self, org: Org) -> LocalAccount:
        account: LocalAccount = Account.create()
        created(register_address(self.client, org.headers, account))
        return account

    def holdings(self, org: Org) -> Holdings:
        gtin = product_id = None
        if org.role == OrgRole.supplier:
            gtin = make_product(self.client, org.key)
            product_id = self._product_id(gtin)
        batch = self.batch(org, gtin)
        complaint_batch = self.batch(org, gtin)
        return Holdings(
            org=org,
            account=self.signer(org),
            batch=batch,
            record_id=self.record(org, batch)["id"],
            certificate_id=self.certificate(org),
            webhook_id=self.webhook(org),
            complaint_batch=complaint_batch,
            complaint=self.complaint(complaint_batch),
            gtin=gtin,
            product_id=product_id,
        )

    def _product_id(self, gtin: str) -> int:
        with self.sessions.read() as session:
            return session.scalars(select(Product.id).where(Product.gtin == gtin)).one()

    def fingerprint(self) -> list[tuple[Any, ...]]:
        """Counts and sums over every row made since the world was: equal before and after
        a request means the request changed nothing (``VOLATILE_COLUMNS`` aside)."""
        with self.sessions.read() as session:
            return [tuple(session.execute(query).one()) for query in self._fingerprint_queries()]

    def _fingerprint_queries(self) -> list[Select[Any]]:
        queries = []
        for table in Base.metadata.sorted_tables:
            if table.name in BACKGROUND_TABLES:
                continue
            query = select(func.count(), *_column_aggregates(table)).select_from(table)
            key = _integer_key(table)
            if key is not None:
                query = query.where(table.c[key] > self.baseline.get(table.name, 0))
            queries.append(query)
        return queries


def _column_aggregates(table: Table) -> list[ColumnElement[Any]]:
    aggregates: list[ColumnElement[Any]] = []
    for column in table.columns:
        if column.primary_key or f"{table.name}.{column.name}" in VOLATILE_COLUMNS:
            continue
        if isinstance(column.type, Boolean):
            aggregates.append(func.count(case((column.is_(True), 1))))
        elif isinstance(column.type, Integer):
            aggregates.append(func.sum(column))  # custody moving, counters advancing
        if column.nullable:
            aggregates.append(func.count(column))  # revoked_at, suspended_at, contact, ...
    return aggregates


def _integer_key(table: Table) -> str | None:
    keys = list(table.primary_key.columns)
    if len(keys) == 1 and isinstance(keys[0].type, Integer):
        return keys[0].name
    return None


def table_baseline(sessions: SessionFactory) -> dict[str, int]:
    """The highest id of every table with an integer key: the fingerprint looks past it, so
    its cost does not grow with what other test modules wrote to the session's database."""
    baseline = {}
    with sessions.read() as session:
        for table in Base.metadata.sorted_tables:
            key = _integer_key(table)
            if key is not None:
                highest = session.scalar(select(func.max(table.c[key])))
                baseline[table.name] = highest or 0
    return baseline


def build_world(client: TestClient, sessions: SessionFactory) -> World:
    baseline = table_baseline(sessions)
    admin = new_org(sessions, OrgRole.admin)
    victim_org = new_org(sessions, OrgRole.supplier)
    world = World(client, sessions, admin, baseline)
    # The victim first: it is a supplier, and it ships the batches the other roles hold.
    world.victim = world.holdings(victim_org)
    world.actors = {role: world.holdings(new_org(sessions, role)) for role in OrgRole}
    supplier = world.actors[OrgRole.supplier]
    # Units to print labels for.
    url = f"/api/v1/batches/{supplier.batch['id']}/serials"
    created(client.post(url, json={"count": 2}, headers=supplier.org.headers))
    recall = {
        "batch_ids": [world.batch(victim_org, world.victim.gtin)["id"]],
        "reason": "glass fragments",
        "severity": "II",
        "instructions": "return to the shop",
    }
    world.recall_id = created(
        client.post("/api/v1/recalls", json=recall, headers=victim_org.headers)
    )["id"]
    issued = created(client.post(f"/api/v1/orgs/{supplier.org.id}/keys", headers=admin.headers))
    url = f"/api/v1/orgs/{supplier.org.id}/keys/{issued['prefix']}/revoke"
    created(client.post(url, headers=admin.headers), status=200)
    world.revoked_key = issued["api_key"]
    world.category = "matrix-" + secrets.token_hex(4)
    url = f"/api/v1/categories/{world.category}"
    created(client.put(url, json={}, headers=admin.headers))
    return world
