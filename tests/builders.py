"""Typed builders for test data: each call makes fresh, unique objects."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from service.db.engine import SessionFactory
from service.db.models import OrgRole, Record
from service.gs1 import gtin_check_digit
from service.hashing import digest_to_hex, record_digest
from service.orgs.service import create_org


def random_gtin() -> str:
    body = "0" + "".join(str(secrets.randbelow(10)) for _ in range(12))
    return body + str(gtin_check_digit(body))


def random_lot() -> str:
    return "L" + secrets.token_hex(4).upper()


def make_org(sessions: SessionFactory, role: OrgRole = OrgRole.supplier) -> tuple[str, str]:
    """A new organisation; returns (slug, API key)."""
    with sessions.write() as session, session.begin():
        created = create_org(session, name=f"{role} {secrets.token_hex(3)}", role=role)
    return created.slug, created.api_key


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def make_product(client: TestClient, key: str, gtin: str | None = None) -> str:
    gtin = gtin or random_gtin()
    response = client.post(
        "/api/v1/products", json={"gtin": gtin, "name": "Green tea"}, headers=auth(key)
    )
    assert response.status_code == 201, response.text
    return gtin


def make_batch(
    client: TestClient, key: str, *, gtin: str | None = None, lot: str | None = None
) -> dict[str, Any]:
    gtin = gtin or make_product(client, key)
    body = {
        "gtin": gtin,
        "lot": lot or random_lot(),
        "quantity": 1200,
        "unit": "KGM",
        "produced_at": "2026-11-02T08:00:00+08:00",
    }
    response = client.post("/api/v1/batches", json=body, headers=auth(key))
    assert response.status_code == 201, response.text
    batch: dict[str, Any] = response.json()
    return batch


def event_body(event_type: str = "production", hours: int = 0, **details: Any) -> dict[str, Any]:
    moment = datetime(2026, 11, 2, 8, tzinfo=UTC) + timedelta(hours=hours)
    return {
        "type": event_type,
        "event_time": moment.isoformat(),
        "location": "Hangzhou plant 2",
        "details": details,
    }


def post_event(client: TestClient, key: str, batch_id: int, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"/api/v1/batches/{batch_id}/events", json=body, headers=auth(key))
    assert response.status_code == 201, response.text
    event: dict[str, Any] = response.json()
    return event


def scan(client: TestClient, batch: dict[str, Any]) -> dict[str, Any]:
    """What a consumer's phone gets as JSON for the batch's QR code."""
    path = f"/01/{batch['gtin']}/10/{batch['lot']}"
    response = client.get(path, headers={"Accept": "application/json"})
    assert response.status_code == 200, response.text
    facts: dict[str, Any] = response.json()
    return facts


def failing_sampling() -> dict[str, Any]:
    # Lot 1000, level II, AQL 1.0 for majors: Re 3, so 5 major defects reject the lot.
    return {
        "lot_size": 1000,
        "level": "II",
        "classes": {
            "critical": {"aql": 0.065, "defects": 0},
            "major": {"aql": 1.0, "defects": 5},
        },
    }


def chain_of(sessions: SessionFactory, batch_id: int) -> list[int]:
    """The batch's record numbers, after checking that each record's prev is the one before."""
    with sessions.read() as session:
        query = select(Record).where(Record.batch_id == batch_id).order_by(Record.n)
        rows = session.scalars(query).all()
    prev = None
    for row in rows:
        assert row.content is not None
        content = json.loads(row.content)
        assert content["prev"] == prev and content["n"] == row.n
        prev = digest_to_hex(record_digest(content))
    return [row.n for row in rows]
