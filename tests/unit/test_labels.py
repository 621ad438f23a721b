"""QR label sheets: real PDFs, rasterised with pdfium and decoded with zxing-cpp."""

from __future__ import annotations

import io

import pypdf
import pypdfium2  # type: ignore[import-untyped]
import pytest
import zxingcpp
from PIL import Image

from service.gs1 import digital_link
from service.labels.sheet import Label, SheetLayout, render_label_sheet

BASE = "https://trace.example.com"
GTIN = "09506000134352"
CHINESE_NAME = "有机绿茶 Organic Green Tea"


def make_labels(count: int, *, name: str | None = "Organic Green Tea 250 g") -> list[Label]:
    return [
        Label(
            url=digital_link(BASE, GTIN, f"L2026-{i:04d}", f"SN{i:06d}"),
            gtin=GTIN,
            lot=f"L2026-{i:04d}",
            serial=f"SN{i:06d}",
            product_name=name,
        )
        for i in range(count)
    ]


def page_count(pdf: bytes) -> int:
    return len(pypdf.PdfReader(io.BytesIO(pdf)).pages)


def page_text(pdf: bytes, page: int = 0) -> str:
    return pypdf.PdfReader(io.BytesIO(pdf)).pages[page].extract_text()


def render_page(pdf: bytes, page: int = 0, dpi: int = 300) -> Image.Image:
    document = pypdfium2.PdfDocument(pdf)
    try:
        image: Image.Image = document[page].render(scale=dpi / 72).to_pil()
        return image
    finally:
        document.close()


@pytest.fixture(scope="module")
def sheet_30() -> tuple[list[Label], bytes]:
    labels = make_labels(30)
    return labels, render_label_sheet(labels)


class TestPages:
    def test_thirty_labels_fill_two_pages(self, sheet_30: tuple[list[Label], bytes]) -> None:
        _, pdf = sheet_30
        assert pdf.startswith(b"%PDF-")
        assert page_count(pdf) == 2

    def test_exactly_one_full_page(self) -> None:
        assert page_count(render_label_sheet(make_labels(24))) == 1

    def test_custom_grid_paginates_by_its_own_capacity(self) -> None:
        layout = SheetLayout(columns=2, rows=4)
        assert layout.per_page == 8
        assert page_count(render_label_sheet(make_labels(9), layout)) == 2

    def test_same_input_gives_same_bytes(self) -> None:
        labels = make_labels(5)
        assert render_label_sheet(labels) == render_label_sheet(labels)


class TestQrCodes:
    def test_every_code_on_page_one_decodes_to_its_url(
        self, sheet_30: tuple[list[Label], bytes]
    ) -> None:
        labels, pdf = sheet_30
        results = zxingcpp.read_barcodes(render_page(pdf, 0))
        assert all(r.format == zxingcpp.BarcodeFormat.QRCode for r in results)
        assert sorted(r.text for r in results) == sorted(label.url for label in labels[:24])

    def test_second_page_holds_the_remaining_six(self, sheet_30: tuple[list[Label], bytes]) -> None:
        labels, pdf = sheet_30
        results = zxingcpp.read_barcodes(render_page(pdf, 1))
        assert sorted(r.text for r in results) == sorted(label.url for label in labels[24:])

    def test_codes_sit_in_row_major_cell_order(self, sheet_30: tuple[list[Label], bytes]) -> None:
        labels, pdf = sheet_30
        results = zxingcpp.read_barcodes(render_page(pdf, 0))
        # Row-major: sort by row (y, in coarse bands to absorb sub-pixel jitter), then by x.
        ordered = sorted(
            results, key=lambda r: (r.position.top_left.y // 100, r.position.top_left.x)
        )
        assert [r.text for r in ordered] == [label.url for label in labels[:24]]

    def test_smallest_allowed_cell_still_scans(self) -> None:
        # A grid whose QR symbols are just over the 20 mm floor, read at a modest 200 dpi.
        layout = SheetLayout(columns=4, rows=8)
        assert 20 <= layout.symbol_size_mm < 21
        labels = make_labels(layout.per_page)
        results = zxingcpp.read_barcodes(render_page(render_label_sheet(labels, layout), dpi=200))
        assert sorted(r.text for r in results) == sorted(label.url for label in labels)


class TestHumanReadableText:
    def test_element_strings_in_hri_form(self, sheet_30: tuple[list[Label], bytes]) -> None:
        _, pdf = sheet_30
        text = page_text(pdf, 0)
        assert "(01) 09506000134352" in text
        assert "(10) L2026-0000" in text
        assert "(21) SN000000" in text
        assert "(10) L2026-0023" in text
        assert "(10) L2026-0024" not in text  # the 25th label starts page two
        assert "(10) L2026-0024" in page_text(pdf, 1)

    def test_no_serial_line_without_a_serial(self) -> None:
        label = Label(url=digital_link(BASE, GTIN, "B1"), gtin=GTIN, lot="B1")
        text = page_text(render_label_sheet([label]))
        assert "(10) B1" in text
        assert "(21)" not in text

    def test_long_product_name_is_cut_with_an_ellipsis(self) -> None:
        name = "Organic Green Tea " * 10
        text = page_text(render_label_sheet(make_labels(1, name=name)))
        assert "Organic Green Tea" in text
        assert "\u2026" in text
        assert name.strip() not in text

    def test_long_hri_is_shrunk_not_cut(self) -> None:
        label = Label(
            url=digital_link(BASE, GTIN, "L" * 20, "S" * 20),
            gtin=GTIN,
            lot="L" * 20,
            serial="S" * 20,
        )
        text = page_text(render_label_sheet([label], SheetLayout(columns=4, rows=8)))
        assert f"(10) {'L' * 20}" in text
        assert f"(21) {'S' * 20}" in text

    def test_chinese_product_name(self) -> None:
        pdf = render_label_sheet(make_labels(2, name=CHINESE_NAME))
        assert CHINESE_NAME in page_text(pdf)
        assert len(zxingcpp.read_barcodes(render_page(pdf, dpi=200))) == 2

    def test_every_font_is_embedded(self) -> None:
        """No text is left to a viewer's fonts (STSong-Light was not embedded: boxes)."""
        pdf = render_label_sheet(make_labels(2, name=CHINESE_NAME))
        fonts = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/Font"]
        for font in fonts.values():
            assert "/FontFile2" in font.get_object()["/FontDescriptor"]

    def test_scan_caption_in_both_languages(self) -> None:
        text = page_text(render_label_sheet(make_labels(1, name="Café crème")))
        assert "Scan to verify · 扫码验证" in text


class TestValidation:
    def test_empty_label_list(self) -> None:
        with pytest.raises(ValueError, match="no labels"):
            render_label_sheet([])

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"columns": 12},
            {"rows": 16},
            {"margin_mm": 60},
            {"page_width_mm": 105, "page_height_mm": 148, "columns": 4},
        ],
    )
    def test_cells_too_small_for_a_scannable_qr(self, kwargs: dict[str, float]) -> None:
        with pytest.raises(ValueError, match="20 mm"):
            SheetLayout(**kwargs)  # type: ignore[arg-type]

    @pytest.mark.parametrize(
        "kwargs", [{"columns": 0}, {"rows": 0}, {"gap_mm": -1}, {"font_size_pt": 2}]
    )
    def test_nonsense_layouts(self, kwargs: dict[str, float]) -> None:
        with pytest.raises(ValueError):
            SheetLayout(**kwargs)  # type: ignore[arg-type]

    def test_default_layout_is_a4_three_by_eight(self) -> None:
        layout = SheetLayout()
        assert layout.per_page == 24
        assert layout.symbol_size_mm >= 20

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"gtin": "9506000134352"},  # 13 digits: callers normalise to 14 first
            {"gtin": "0950600013435x"},
            {"lot": ""},
            {"lot": "has space"},
            {"serial": "x" * 21},
            {"url": ""},
        ],
    )
    def test_bad_labels(self, kwargs: dict[str, str]) -> None:
        fields = {"url": digital_link(BASE, GTIN, "L1"), "gtin": GTIN, "lot": "L1"} | kwargs
        with pytest.raises(ValueError):
            Label(**fields)
