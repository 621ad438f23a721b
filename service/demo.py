"""``lotproof demo``: a supplier and a carrier take one batch through its life, via the API."""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from service.db.engine import SessionFactory
from service.db.models import OrgRole
from service.gs1 import gtin_check_digit
from service.orgs.service import create_org


def _demo_gtin() -> str:
    body = "0950600" + f"{secrets.randbelow(10**6):06d}"
    return body + str(gtin_check_digit(body))


def _events(start: datetime, carrier: str) -> list[tuple[str, dict[str, Any]]]:
    """(who records it, the event): the supplier until the carrier takes custody."""

    def at(hours: int) -> str:
        return (start + timedelta(hours=hours)).isoformat()

    return [
        (
            "supplier",
            {
                "type": "production",
                "event_time": at(0),
                "location": "Hangzhou plant 2",
                "details": {"line": "L3", "shift": "early"},
            },
        ),
        (
            "supplier",
            {
                "type": "inspection",
                "event_time": at(2),
                "location": "Hangzhou plant 2 QA lab",
                "details": {"result": "pass", "samples": 5},
            },
        ),
        (
            "supplier",
            {
                "type": "packing",
                "event_time": at(4),
                "location": "Hangzhou plant 2",
                "details": {"cartons": 120},
            },
        ),
        (
            "supplier",
            {
                "type": "shipping",
                "event_time": at(8),
                "location": "Hangzhou plant 2 dock 4",
                "receiver": carrier,
            },
        ),
        (
            "carrier",
            {"type": "receiving", "event_time": at(9), "location": "Hangzhou cold store 1"},
        ),
        (
            "carrier",
            {
                "type": "temperature",
                "event_time": at(12),
                "location": "Hangzhou cold store 1",
                "temperature_c": 4.0,
            },
        ),
    ]


def run_demo(
    *, sessions: SessionFactory, base_url: str, qr_path: str, timeout: float
) -> dict[str, str]:
    with sessions.write() as session, session.begin():
        org = create_org(session, name="Acme Farms (demo)", role=OrgRole.supplier)
        carrier = create_org(session, name="Swift Cold Chain (demo)", role=OrgRole.logistics)
    headers = {"Authorization": f"Bearer {org.api_key}"}
    keys = {"supplier": headers, "carrier": {"Authorization": f"Bearer {carrier.api_key}"}}
    gtin = _demo_gtin()
    lot = "DEMO-" + secrets.token_hex(3).upper()
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
        client.post(
            "/api/v1/products", json={"gtin": gtin, "name": "Longjing green tea"}
        ).raise_for_status()
        batch = client.post(
            "/api/v1/batches",
            json={
                "gtin": gtin,
                "lot": lot,
                "quantity": 1200,
                "unit": "KGM",
                "produced_at": start.isoformat(),
            },
        )
        batch.raise_for_status()
        batch_id, qr_url = batch.json()["id"], batch.json()["qr_url"]
        for who, event in _events(start, carrier.slug):
            client.post(
                f"/api/v1/batches/{batch_id}/events", json=event, headers=keys[who]
            ).raise_for_status()
        qr = client.get(f"/api/v1/batches/{batch_id}/qr.png", headers=keys["supplier"])
        Path(qr_path).write_bytes(qr.raise_for_status().content)
        consumer_path = f"/01/{gtin}/10/{lot}"
        verdict = "pending"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            facts = client.get(consumer_path, headers={"Accept": "application/json"}).json()
            verdict = facts["verdict"]
            if verdict != "pending":
                break
            time.sleep(1)
    return {"lot": lot, "verdict": verdict, "consumer_url": qr_url}
