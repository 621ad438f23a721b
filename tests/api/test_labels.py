"""Printable label sheets, read back by a real QR decoder."""

from __future__ import annotations

import pypdfium2  # type: ignore[import-untyped]
import zxingcpp
from fastapi.testclient import TestClient

from service.db.engine import SessionFactory
from tests.builders import auth, make_batch, make_org


def decode_pdf(data: bytes) -> list[list[str]]:
    """The QR texts on each page, rendered at 200 dpi like a printer proof.

    Only QR codes are looked for (a 1D reader once "found" a 25th code among 24 QR codes),
    and one symbol found twice at the same place counts once."""
    pdf = pypdfium2.PdfDocument(data)
    pages = []
    for page in pdf:
        image = page.render(scale=200 / 72).to_pil()
        qr_only = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
        found = zxingcpp.read_barcodes(image, formats=qr_only)
        places = {(code.text, _cell(code.position)): code.text for code in found}
        pages.append(list(places.values()))
    return pages


def _cell(position: zxingcpp.Position) -> tuple[int, int]:
    """A symbol's centre, to the nearest 50 px: two reads of one symbol share it."""
    corners = (position.top_left, position.top_right, position.bottom_left, position.bottom_right)
    return (
        round(sum(c.x for c in corners) / 4 / 50),
        round(sum(c.y for c in corners) / 4 / 50),
    )


class TestLabelSheets:
    def test_batch_sheet_encodes_the_canonical_link(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, key = make_org(sessions)
        batch = make_batch(client, key, lot="L/7")
        url = f"/api/v1/batches/{batch['id']}/labels.pdf"
        response = client.get(url, params={"copies": 3}, headers=auth(key))
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
