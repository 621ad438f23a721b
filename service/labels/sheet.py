"""PDF sheets of QR labels: one GS1 Digital Link QR code per cell, with its HRI text under it.

The QR code is drawn as vector squares from the ``qrcode`` matrix (error correction M, 4-module
quiet zone), so it stays crisp at any printer resolution. Text uses the standard Helvetica font;
a product name Helvetica cannot encode (e.g. Chinese) switches to the CID font STSong-Light,
which PDF viewers supply themselves, so no font file ships with the service.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from reportlab.lib.units import mm as _mm  # type: ignore[import-untyped]
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfbase.cidfonts import UnicodeCIDFont  # type: ignore[import-untyped]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]

from service.documents.pdf_text import draw_centred, pdf_text
from service.gs1 import validate_ai_value

MM: float = float(_mm)  # points per millimetre; PDF user space is in points
LATIN_FONT = "Helvetica"
CJK_FONT = "STSong-Light"
ELLIPSIS = "\u2026"
QUIET_ZONE_MODULES = 4  # ISO/IEC 18004 minimum; scanners need it to find the finder patterns
MIN_QR_MM = 15.0  # below this (quiet zone included) phone cameras struggle with URL-sized codes
HRI_LINES = 4  # (01), (10), (21), product name: reserved even when absent so every cell aligns
LEADING = 1.2  # line height as a multiple of the font size
MIN_HRI_FONT_PT = 4.0  # HRI shrinks to fit a narrow cell, but never below legibility


@dataclass(frozen=True)
class Label:
    url: str  # the GS1 Digital Link URI encoded in the QR code
    gtin: str  # 14 digits
    lot: str
    serial: str | None = None
    product_name: str | None = None

    def __post_init__(self) -> None:
        if not self.url:
            raise ValueError("label url must not be empty")
        if len(self.gtin) != 14 or not self.gtin.isascii() or not self.gtin.isdigit():
            raise ValueError("label gtin must be 14 digits")
        validate_ai_value(self.lot, "lot")
        if self.serial is not None:
            validate_ai_value(self.serial, "serial")

    def hri_lines(self) -> list[str]:
        """GS1 element strings in human-readable-interpretation form, AI in brackets."""
        lines = [f"(01) {self.gtin}", f"(10) {self.lot}"]
        if self.serial is not None:
            lines.append(f"(21) {self.serial}")
        return lines


@dataclass(frozen=True)
class SheetLayout:
    """A4 sheet of labels by default; sizes in millimetres."""

    page_width_mm: float = 210
    page_height_mm: float = 297
    columns: int = 3
    rows: int = 8
    margin_mm: float = 8
    gap_mm: float = 2
    padding_mm: float = 1  # inside each cell, so die-cut label edges never clip the quiet zone
    font_size_pt: float = 6.5

    def __post_init__(self) -> None:
        if self.columns < 1 or self.rows < 1:
            raise ValueError("a sheet needs at least one column and one row")
        if min(self.margin_mm, self.gap_mm, self.padding_mm) < 0:
            raise ValueError("margins, gaps and padding must not be negative")
        if self.font_size_pt < MIN_HRI_FONT_PT:
            raise ValueError(f"font size must be at least {MIN_HRI_FONT_PT} pt")
        if self.qr_size_mm < MIN_QR_MM:
            raise ValueError(
                f"cells of {self.cell_width_mm:.1f} x {self.cell_height_mm:.1f} mm leave "
                f"{self.qr_size_mm:.1f} mm for the QR code; at least {MIN_QR_MM:g} mm is needed"
            )

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    @property
    def cell_width_mm(self) -> float:
        usable = self.page_width_mm - 2 * self.margin_mm - (self.columns - 1) * self.gap_mm
        return usable / self.columns

    @property
    def cell_height_mm(self) -> float:
        usable = self.page_height_mm - 2 * self.margin_mm - (self.rows - 1) * self.gap_mm
        return usable / self.rows

    @property
    def text_height_mm(self) -> float:
        return HRI_LINES * self.font_size_pt * LEADING / MM

    @property
    def qr_size_mm(self) -> float:
        """Side of the QR square, quiet zone included: what is left once the text is placed."""
        width = self.cell_width_mm - 2 * self.padding_mm
        height = self.cell_height_mm - 2 * self.padding_mm - self.text_height_mm
        return min(width, height)

    def cell_origin_mm(self, index: int) -> tuple[float, float]:
        """Top-left corner of cell ``index`` (row-major from the top-left), PDF y-up axis."""
        row, column = divmod(index % self.per_page, self.columns)
        x = self.margin_mm + column * (self.cell_width_mm + self.gap_mm)
        y_top = self.page_height_mm - self.margin_mm - row * (self.cell_height_mm + self.gap_mm)
        return x, y_top


def render_label_sheet(labels: Sequence[Label], layout: SheetLayout = SheetLayout()) -> bytes:
    """PDF bytes: one label per cell, as many pages as needed."""
    if not labels:
        raise ValueError("no labels to render")
    buffer = io.BytesIO()
    # invariant=1 pins the creation date and document id, so equal input gives equal bytes.
    canvas = Canvas(
        buffer,
        pagesize=(layout.page_width_mm * MM, layout.page_height_mm * MM),
        invariant=1,
        pageCompression=1,
    )
    canvas.setTitle("Lotproof labels")
    canvas.setCreator("Lotproof")
    for index, label in enumerate(labels):
        if index and index % layout.per_page == 0:
            canvas.showPage()
        _draw_label(canvas, label, layout, *layout.cell_origin_mm(index))
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _draw_label(
    canvas: Canvas, label: Label, layout: SheetLayout, x_mm: float, top_mm: float
) -> None:
    centre_x = (x_mm + layout.cell_width_mm / 2) * MM
    qr_side = layout.qr_size_mm * MM
    qr_top = (top_mm - layout.padding_mm) * MM
    _draw_qr(canvas, label.url, centre_x - qr_side / 2, qr_top - qr_side, qr_side)
    max_width = (layout.cell_width_mm - 2 * layout.padding_mm) * MM
    size = layout.font_size_pt
    baseline = qr_top - qr_side - size  # the first line sits just under the quiet zone
    for line in label.hri_lines():
        text = pdf_text(line)
        canvas.setFont(LATIN_FONT, _fit_size(text, LATIN_FONT, size, max_width))
        draw_centred(canvas, centre_x, baseline, text)
        baseline -= size * LEADING
    if label.product_name:
        # Cleaned before measuring, so the width is that of what is drawn; cleaning the
        # shortened text again changes nothing and gives it the type draw_centred takes.
        name = pdf_text(label.product_name)
        font = _font_for(name)
        canvas.setFont(font, size)
        draw_centred(canvas, centre_x, baseline, pdf_text(_ellipsize(name, font, size, max_width)))


def _draw_qr(canvas: Canvas, data: str, x: float, y: float, side: float) -> None:
    """Dark modules as one filled path of horizontal runs, so no hairline seams between squares."""
    matrix = _qr_matrix(data)
    module = side / len(matrix)
    path = canvas.beginPath()
    for row_index, row in enumerate(matrix):
        row_y = y + side - (row_index + 1) * module
        for start, length in _dark_runs(row):
            path.rect(x + start * module, row_y, length * module, module)
    canvas.setFillColorRGB(0, 0, 0)
    canvas.drawPath(path, stroke=0, fill=1)


@cache
def _qr_matrix(data: str) -> tuple[tuple[bool, ...], ...]:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QUIET_ZONE_MODULES)
    code.add_data(data)
    code.make(fit=True)  # smallest version that holds the data: largest modules for the size
    return tuple(tuple(bool(cell) for cell in row) for row in code.get_matrix())


def _dark_runs(row: Sequence[bool]) -> Iterator[tuple[int, int]]:
    """(start, length) of each run of dark modules in a matrix row."""
    start: int | None = None
    for column, dark in enumerate([*row, False]):
        if dark and start is None:
            start = column
        elif not dark and start is not None:
            yield start, column - start
            start = None


def _font_for(text: str) -> str:
    """Helvetica when its WinAnsi encoding covers the text, else the built-in CJK font."""
    try:
        text.encode(pdfmetrics.getFont(LATIN_FONT).encName)
    except UnicodeEncodeError:
        _register_cjk_font()
        return CJK_FONT
    return LATIN_FONT


@cache
def _register_cjk_font() -> None:
    pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))


def _fit_size(text: str, font: str, size: float, max_width: float) -> float:
    """Shrink (never grow) the font so an HRI line fits: GS1 data must not be cut short."""
    width = float(pdfmetrics.stringWidth(text, font, size))
    if width <= max_width:
        return size
    return max(MIN_HRI_FONT_PT, size * max_width / width)


def _ellipsize(text: str, font: str, size: float, max_width: float) -> str:
    """Longest prefix of ``text`` that fits with an ellipsis appended (whole text if it fits)."""
    if pdfmetrics.stringWidth(text, font, size) <= max_width:
        return text
    low, high = 0, len(text)
    while low < high:  # binary search on the prefix length: widths only grow with length
        middle = (low + high + 1) // 2
        if pdfmetrics.stringWidth(text[:middle].rstrip() + ELLIPSIS, font, size) <= max_width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + ELLIPSIS
