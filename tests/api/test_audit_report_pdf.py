# ruff: noqa: RUF001  (the Chinese report uses full-width punctuation)
"""The audit report and label sheets print Chinese as Chinese (issue 20, part 6).

A batch whose organisations, product, places and complaint are Chinese: the PDFs are rendered
by pdfium (as a viewer would) and their text layer must hold the Chinese strings, every font
must be embedded (no viewer substitutes boxes), each record must say who acted, what it found
and its verdict, times in the event's own offset, in the reader's language; a label's QR
symbol is at least 20 mm wide, measured on the rendered page, and still decodes.
"""

from __future__ import annotations

import io
import re
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pypdf
import pypdfium2  # type: ignore[import-untyped]
import pytest
import zxingcpp
from fastapi.testclient import TestClient

from service.anchoring.worker import AnchoringWorker
from service.audit.report import render_audit_report
from service.audit.schemas import Bundle, BundleBatch
from service.db.engine import SessionFactory
from service.db.models import OrgRole
from service.documents.fonts import PdfFontMissing, document_font
from service.labels.sheet import MIN_QR_MM, SheetLayout
from service.orgs.service import create_org
from tests.api.test_labels import decode_pdf
from tests.builders import auth, event_body, make_batch, post_event, random_gtin

PRODUCT = "西湖龙井 明前特级"
FARM = "杭州西湖龙井村茶园"
LAB = "上海食品检测中心"
SUPPLIER = "浙江龙井茶业有限公司"
INSPECTOR = "上海市食品质量检验所"
HANDLER_REASON = "已联系消费者，正在调查"
CAPTION = "Scan to verify · 扫码验证"
NOTO_CFF = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")


def org(sessions: SessionFactory, name: str, role: OrgRole) -> str:
    with sessions.write() as session, session.begin():
        return create_org(session, name=f"{name}{secrets.token_hex(2)}", role=role).api_key


def flat(text: str) -> str:
    return "".join(text.split())


def text_of(pdf: bytes) -> str:
    """The text layer as pdfium reads it, page by page."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def records_of(text: str) -> dict[int, tuple[str, list[str]]]:
    """n -> (the record's heading "#n event: verdict", the lines under it)."""
    blocks: dict[int, tuple[str, list[str]]] = {}
    current: list[str] = []
    for line in text.splitlines():
        head = re.match(r"#(\d+) (.+)$", line.strip())
        if head:
            current = []
            blocks[int(head.group(1))] = (head.group(2), current)
        else:
            current.append(line.strip())
    return blocks


def assert_fonts_embedded(pdf: bytes) -> None:
    """Every font of every page carries its own glyphs (FontFile2: TrueType)."""
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        fonts: Any = page["/Resources"]["/Font"]  # type: ignore[index]
        assert fonts
        for font in fonts.values():
            descriptor = font.get_object().get("/FontDescriptor")
            assert descriptor is not None, font.get_object()
            assert "/FontFile2" in descriptor.get_object() or "/FontFile3" in descriptor


@pytest.fixture
def chinese_batch(
    client: TestClient, sessions: SessionFactory, worker: AnchoringWorker
) -> dict[str, Any]:
    supplier = org(sessions, SUPPLIER, OrgRole.supplier)
    inspector = org(sessions, INSPECTOR, OrgRole.inspector)
    gtin = random_gtin()
    product = {"gtin": gtin, "name": PRODUCT}
    assert client.post("/api/v1/products", json=product, headers=auth(supplier)).status_code == 201
    batch = make_batch(client, supplier, gtin=gtin)
    production = event_body() | {"location": FARM, "event_time": "2026-11-02T16:00:00+08:00"}
    post_event(client, supplier, batch["id"], production)
    sampling = {"lot_size": 1000, "level": "II", "classes": {"major": {"aql": 1.0, "defects": 1}}}
    inspection = event_body("inspection", hours=2) | {"location": LAB, "sampling": sampling}
    post_event(client, inspector, batch["id"], inspection)
    complaint = {
        "link": f"/01/{batch['gtin']}/10/{batch['lot']}",
        "category": "safety",
        "description": "茶叶有烟味，喝完头晕",
    }
    filed = client.post("/api/v1/complaints", json=complaint)
    assert filed.status_code == 201, filed.text
    code = filed.json()["code"]
    move = {"status": "acknowledged", "reason": HANDLER_REASON}
    moved = client.post(f"/api/v1/complaints/{code}/transitions", json=move, headers=auth(supplier))
    assert moved.status_code == 200, moved.text
    worker.tick()
    return {"batch": batch, "supplier": supplier, "inspector": inspector, "code": code}


def report(client: TestClient, key: str, batch_id: int, **headers_or_lang: str) -> bytes:
    lang = headers_or_lang.pop("lang", None)
    url = f"/api/v1/batches/{batch_id}/audit/report.pdf"
    response = client.get(
        url, params={"lang": lang} if lang else {}, headers=auth(key) | headers_or_lang
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    pdf: bytes = response.content
    return pdf


class TestAuditReport:
    def test_chinese_report_prints_chinese_and_says_who_what_and_verdict(
        self, client: TestClient, chinese_batch: dict[str, Any]
    ) -> None:
        batch_id = chinese_batch["batch"]["id"]
        pdf = report(client, chinese_batch["inspector"], batch_id, lang="zh-CN")
        assert_fonts_embedded(pdf)
        text = text_of(pdf)
        for chinese in (PRODUCT, FARM, LAB, SUPPLIER, INSPECTOR, HANDLER_REASON, "审计报告"):
            assert flat(chinese) in flat(text), chinese
        assert "\ufffd" not in text and "\u25a1" not in text
        records = records_of(text)
        assert sorted(records) == [0, 1, 2, 3]
        for heading, lines in records.values():
            assert heading.endswith(("：已验证", "：待封存")), heading
            assert any(line.startswith("执行方：") for line in lines), lines
        production, inspection, filed, acknowledged = (records[n] for n in range(4))
        assert production[0].startswith("生产")
        assert "时间：2026-11-02 16:00 (UTC+08:00)。地点：" + FARM in production[1]
        assert any(line.startswith("执行方：" + SUPPLIER) for line in production[1])
        assert inspection[0].startswith("检验")
        assert any(line.startswith("执行方：" + INSPECTOR) for line in inspection[1])
        found = flat(" ".join(inspection[1]))
        assert "结果：检验合格" in found and "由独立检验机构检验" in found
        assert "执行方：消费者" in filed[1]
        code = chinese_batch["code"]
        assert f"结果：投诉{code}：安全隐患，已受理" in flat(" ".join(filed[1]))
        assert any(line.startswith("执行方：" + SUPPLIER) for line in acknowledged[1])
        assert f"处理说明：{HANDLER_REASON}" in flat(" ".join(acknowledged[1]))

    def test_english_report_by_accept_language_keeps_chinese_names(
        self, client: TestClient, chinese_batch: dict[str, Any]
    ) -> None:
        batch_id = chinese_batch["batch"]["id"]
        pdf = report(client, chinese_batch["inspector"], batch_id, **{"Accept-Language": "en-GB"})
        assert_fonts_embedded(pdf)
        text = text_of(pdf)
        for chinese in (PRODUCT, FARM, SUPPLIER, HANDLER_REASON):
            assert flat(chinese) in flat(text), chinese
        records = records_of(text)
        assert records[0][0].startswith("Produced: ")
        assert "When: 2026-11-02 16:00 (UTC+08:00). Where: " + FARM in records[0][1]
        assert "Who: a shopper" in records[2][1]
        assert "inspection passed" in " ".join(records[1][1])
        found = " ".join(records[2][1])
        assert f"complaint {chinese_batch['code']}: Safety concern, Received" in found
        assert "审计报告" not in text and "Lotproof audit report" in text

    def test_language_query_wins_over_accept_language(
        self, client: TestClient, chinese_batch: dict[str, Any]
    ) -> None:
        batch_id = chinese_batch["batch"]["id"]
        headers = {"Accept-Language": "zh-CN,zh;q=0.9"}
        assert "审计报告" in text_of(report(client, chinese_batch["supplier"], batch_id, **headers))
        pdf = report(client, chinese_batch["supplier"], batch_id, lang="en", **headers)
        assert "Lotproof audit report" in text_of(pdf)


class TestLabelSheet:
    def test_caption_chinese_name_and_qr_of_at_least_20_mm(
        self, client: TestClient, chinese_batch: dict[str, Any]
    ) -> None:
        batch = chinese_batch["batch"]
        url = f"/api/v1/batches/{batch['id']}/labels.pdf?copies=3"
        response = client.get(url, headers=auth(chinese_batch["supplier"]))
        assert response.status_code == 200, response.text
        pdf = response.content
        assert_fonts_embedded(pdf)
        text = flat(text_of(pdf))
        assert text.count(flat(CAPTION)) == 3 and flat(PRODUCT) in text
        assert decode_pdf(pdf) == [[batch["qr_url"]] * 3]
        for width in symbol_widths_mm(pdf):
            assert width >= MIN_QR_MM, width

    def test_layout_guarantees_20_mm_for_any_symbol(self) -> None:
        assert SheetLayout().symbol_size_mm >= MIN_QR_MM


def symbol_widths_mm(pdf: bytes, dpi: int = 300) -> list[float]:
    """Each QR symbol's width (finder pattern edge to edge, quiet zone excluded), in mm."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[0].render(scale=dpi / 72).to_pil()
    finally:
        document.close()
    qr_only = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    widths = []
    for code in zxingcpp.read_barcodes(image, formats=qr_only):
        corners = code.position
        pixels = max(
            corners.top_right.x - corners.top_left.x, corners.bottom_left.y - corners.top_left.y
        )
        widths.append(pixels / dpi * 25.4)
    assert widths
    return widths


class TestFont:
    def bundle(self) -> Bundle:
        batch = BundleBatch(
            gtin="09506000134352", lot="L1", product_name=PRODUCT, owner="x", record_count=0
        )
        return Bundle(
            generated_at=datetime(2026, 11, 2, tzinfo=UTC),
            chain_id=31337,
            contract="0xabc",
            batch=batch,
            records=[],
            anchors=[],
        )

    def test_a_missing_font_is_a_clear_server_error(self, tmp_path: Path) -> None:
        with pytest.raises(PdfFontMissing, match="LOTPROOF_PDF_FONT") as caught:
            render_audit_report(self.bundle(), [], "pending", font=tmp_path / "none.ttf")
        assert caught.value.status_code == 500

    @pytest.mark.skipif(not NOTO_CFF.exists(), reason="fonts-noto-cjk not installed")
    def test_a_cff_font_is_refused_with_the_reason(self) -> None:
        with pytest.raises(PdfFontMissing, match="TrueType"):
            document_font(NOTO_CFF)

    def test_a_font_without_chinese_is_refused(self) -> None:
        latin_only = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
        if not latin_only.exists():
            pytest.skip("fonts-dejavu not installed")
        with pytest.raises(PdfFontMissing, match="no glyph"):
            document_font(latin_only)
