"""Printable label sheets, read back by a real QR decoder."""

from __future__ import annotations

import pypdfium2  # type: ignore[import-untyped]
import zxingcpp
from fastapi.testclient import TestClient

from service.db.engine import SessionFactory
from tests.builders import auth, make_batch, make_org


def decode_pdf(data: bytes) -> list[list[str]]:
    """The QR texts on each page, rendered at 200 dpi like a printer proof."""
    pdf = pypdfium2.PdfDocument(data)
    pages = []
    for page in pdf:
        image = page.render(scale=200 / 72).to_pil()
        pages.append([code.text for code in zxingcpp.read_barcodes(image)])
    return pages


class TestLabelSheets:
    def test_batch_sheet_encodes_the_canonical_link(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, key = make_org(sessions)
        batch = make_batch(client, key, lot="L/7")
        response = client.get(f"/api/v1/batches/{batch['id']}/labels.pdf", params={"copies": 3})
        assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
        assert decode_pdf(response.content) == [[batch["qr_url"]] * 3]
        assert batch["qr_url"].endswith("/10/L%2F7")

    def test_unit_sheet_is_owner_only_and_lists_each_serial(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, key = make_org(sessions)
        _, other = make_org(sessions)
        batch = make_batch(client, key)
        units = client.post(
            f"/api/v1/batches/{batch['id']}/serials", json={"count": 30}, headers=auth(key)
        ).json()
        url = f"/api/v1/batches/{batch['id']}/serials/labels.pdf"
        assert client.get(url, headers=auth(other)).status_code == 403
        response = client.get(url, headers=auth(key))
        pages = decode_pdf(response.content)
        assert [len(p) for p in pages] == [24, 6]
        assert sorted(text for page in pages for text in page) == sorted(u["url"] for u in units)
