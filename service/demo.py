"""``lotproof demo``: one supplier, one product, one batch, a few events, through the API."""

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


def _events(start: datetime) -> list[dict[str, Any]]:
    return [
        {
            "type": "production",
            "event_time": start.isoformat(),
            "location": "Hangzhou plant 2",
            "details": {"line": "L3", "shift": "early"},
        },
        {
            "type": "inspection",
            "event_time": (start + timedelta(hours=2)).isoformat(),
            "location": "Hangzhou plant 2 QA lab",
            "details": {"result": "pass", "samples": 5},
        },
        {
            "type": "packing",
            "event_time": (start + timedelta(hours=4)).isoformat(),
            "location": "Hangzhou plant 2",
            "details": {"cartons": 120},
        },
        {
            "type": "shipping",
            "event_time": (start + timedelta(hours=8)).isoformat(),
            "location": "Hangzhou plant 2 dock 4",
            "details": {"carrier": "demo-logistics"},
        },
    ]


def run_demo(
    *, sessions: SessionFactory, base_url: str, qr_path: str, timeout: float
) -> dict[str, str]:
    with sessions.write() as session, session.begin():
        org = create_org(session, name="Acme Farms (demo)", role=OrgRole.supplier)
    headers = {"Authorization": f"Bearer {org.api_key}"}
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
        for event in _events(start):
            client.post(f"/api/v1/batches/{batch_id}/events", json=event).raise_for_status()
        Path(qr_path).write_bytes(client.get(f"/api/v1/batches/{batch_id}/qr.png").content)
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
