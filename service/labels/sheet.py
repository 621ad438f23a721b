"""PDF sheets of QR labels: one GS1 Digital Link QR code per cell, its HRI text beside it.

The QR code is drawn as vector squares from the ``qrcode`` matrix (error correction M, 4-module
quiet zone), so it stays crisp at any printer resolution. Each symbol is at least 20 mm wide
(quiet zone excluded), which a phone camera reads at arm's length; to leave it that room on
common label stock (A4, 3 x 8), the text stands to the right of the code: the GS1 element
strings (HRI) and the product name. Under the code, "Scan to verify · 扫码验证" says what the
code is for, in both languages. All text is in the one embedded font of the service's PDFs
(``service.documents.fonts``), so a Chinese name prints as itself on any viewer.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from reportlab.lib.units import mm as _mm  # type: ignore[import-untyped]
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]

from service.config import DEFAULT_PDF_FONT
from service.documents.fonts import document_font
from service.documents.pdf_text import PdfText, draw_centred, pdf_text
from service.gs1 import validate_ai_value
from service.i18n import Translator

MM: float = float(_mm)  # points per millimetre; PDF user space is in points
ELLIPSIS = "\u2026"
QUIET_ZONE_MODULES = 4  # ISO/IEC 18004 minimum; scanners need it to find the finder patterns
# A phone at arm's length (about 40 cm) needs a symbol of about 20 mm for a URL-sized code.
MIN_QR_MM = 20.0
# The symbol's share of the square is smallest for version 1 (21 modules), so a square that
# leaves 20 mm to a version 1 symbol leaves at least that to every larger version.
SMALLEST_SYMBOL_MODULES = 21
HRI_LINES = 3  # (01), (10), (21)
NAME_LINES = 3  # the product name wraps onto at most this many lines, then an ellipsis
MIN_TEXT_MM = 15.0  # the text column: "(01) " and 14 digits fit at the smallest size
TEXT_GAP_MM = 1.5  # between the code's quiet zone and the text
LEADING = 1.2  # line height as a multiple of the font size
MIN_HRI_FONT_PT = 4.0  # text shrinks to fit a narrow cell, but never below legibility


def scan_caption() -> str:
    """ "Scan to verify · 扫码验证": a label is read by shoppers of either language."""
    return " · ".join(Translator(language)("label.scan_to_verify") for language in ("en", "zh-CN"))


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
    """A4 sheet of labels by default (3 x 8, the common 63.5 x 33.9 mm stock); sizes in mm."""

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
        if self.symbol_size_mm < MIN_QR_MM:
            raise ValueError(
                f"cells of {self.cell_width_mm:.1f} x {self.cell_height_mm:.1f} mm leave "
                f"{max(self.symbol_size_mm, 0):.1f} mm for the QR code (quiet zone excluded); "
                f"at least {MIN_QR_MM:g} mm is needed to scan it from arm's length"
            )
        if (HRI_LINES + NAME_LINES) * self.line_mm > self.cell_height_mm - 2 * self.padding_mm:
            raise ValueError(f"{self.font_size_pt:g} pt text does not fit beside the QR code")

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
    def line_mm(self) -> float:
        return self.font_size_pt * LEADING / MM

    @property
    def qr_size_mm(self) -> float:
        """Side of the QR square, quiet zone included: the cell's height less the caption
        under it, unless the text column beside it would be narrower than ``MIN_TEXT_MM``."""
        height = self.cell_height_mm - 2 * self.padding_mm - self.line_mm
        width = self.cell_width_mm - 2 * self.padding_mm - TEXT_GAP_MM - MIN_TEXT_MM
        return min(width, height)

    @property
    def symbol_size_mm(self) -> float:
        """The smallest width a QR symbol gets in the square (a version 1 symbol's)."""
        modules = SMALLEST_SYMBOL_MODULES
        return self.qr_size_mm * modules / (modules + 2 * QUIET_ZONE_MODULES)

    @property
    def text_width_mm(self) -> float:
        return self.cell_width_mm - 2 * self.padding_mm - self.qr_size_mm - TEXT_GAP_MM

    def cell_origin_mm(self, index: int) -> tuple[float, float]:
        """Top-left corner of cell ``index`` (row-major from the top-left), PDF y-up axis."""
        row, column = divmod(index % self.per_page, self.columns)
        x = self.margin_mm + column * (self.cell_width_mm + self.gap_mm)
        y_top = self.page_height_mm - self.margin_mm - row * (self.cell_height_mm + self.gap_mm)
        return x, y_top


def render_label_sheet(
    labels: Sequence[Label], layout: SheetLayout = SheetLayout(), *, font: Path = DEFAULT_PDF_FONT
) -> bytes:
    """PDF bytes: one label per cell, as many pages as needed; text in the TrueType font at
    ``font`` (``LOTPROOF_PDF_FONT``), embedded."""
    if not labels:
        raise ValueError("no labels to render")
    font_name = document_font(font)
    buffer = io.BytesIO()
    # invariant=1 pins the creation date and document id, so equal input gives equal bytes.
    canvas = Canvas(
        buffer,
        pagesize=(layout.page_width_mm * MM, layout.page_height_mm * MM),
        invariant=1,
        pageCompression=1,
        initialFontName=font_name,  # no standard font is left for a viewer to substitute
    )
    canvas.setTitle("Lotproof labels")
    canvas.setCreator("Lotproof")
    caption = pdf_text(scan_caption())
    for index, label in enumerate(labels):
        if index and index % layout.per_page == 0:
            canvas.showPage()
        cell = _Cell(canvas, layout, font_name, *layout.cell_origin_mm(index))
        cell.draw(label, caption)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


class _Cell:
    """One label: the QR code top left, the caption under it, the text to its right."""

    def __init__(
        self, canvas: Canvas, layout: SheetLayout, font: str, x_mm: float, top_mm: float
    ) -> None:
        self.canvas, self.layout, self.font = canvas, layout, font
        self.size = layout.font_size_pt
        self.qr_x = (x_mm + layout.padding_mm) * MM
        self.qr_top = (top_mm - layout.padding_mm) * MM
        self.qr_side = layout.qr_size_mm * MM
        self.text_x = self.qr_x + self.qr_side + TEXT_GAP_MM * MM
        self.text_width = layout.text_width_mm * MM

    def draw(self, label: Label, caption: PdfText) -> None:
        matrix = _qr_matrix(label.url)
        _draw_qr(self.canvas, matrix, self.qr_x, self.qr_top - self.qr_side, self.qr_side)
        caption_size = _fit_size(caption, self.font, self.size, self.qr_side)
        self.canvas.setFont(self.font, caption_size)
        centre = self.qr_x + self.qr_side / 2
        draw_centred(self.canvas, centre, self.qr_top - self.qr_side - self.size, caption)
        # The text starts level with the symbol's top edge, not the quiet zone's.
        quiet = QUIET_ZONE_MODULES * self.qr_side / len(matrix)
        baseline = self.qr_top - quiet - self.size
        for line in label.hri_lines():
            text = pdf_text(line)
            self._draw_left(text, _fit_size(text, self.font, self.size, self.text_width), baseline)
            baseline -= self.size * LEADING
        if label.product_name:
            for line in _wrap(pdf_text(label.product_name), self.font, self.size, self.text_width):
                self._draw_left(line, self.size, baseline)
                baseline -= self.size * LEADING

    def _draw_left(self, text: PdfText, size: float, baseline: float) -> None:
        # Left-aligned through the one text call of pdf_text: centred on half its own width.
        self.canvas.setFont(self.font, size)
        width = float(pdfmetrics.stringWidth(text, self.font, size))
        draw_centred(self.canvas, self.text_x + width / 2, baseline, text)


def _draw_qr(
    canvas: Canvas, matrix: tuple[tuple[bool, ...], ...], x: float, y: float, side: float
) -> None:
    """Dark modules as one filled path of horizontal runs, so no hairline seams between squares."""
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


def _fit_size(text: str, font: str, size: float, max_width: float) -> float:
    """Shrink (never grow) the font so a line fits: GS1 data must not be cut short."""
    width = float(pdfmetrics.stringWidth(text, font, size))
    if width <= max_width:
        return size
    return max(MIN_HRI_FONT_PT, size * max_width / width)


def _wrap(text: PdfText, font: str, size: float, max_width: float) -> list[PdfText]:
    """``text`` on at most ``NAME_LINES`` lines, broken at a space where one fits (anywhere
    in Chinese, which has none), the last shortened with an ellipsis if the rest is too long."""
    lines: list[PdfText] = []
    rest = text.strip()
    while rest and len(lines) < NAME_LINES - 1:
        cut = _fitting_prefix(rest, font, size, max_width)
        if cut < len(rest):
            space = rest.rfind(" ", 0, cut + 1)
            cut = space if space > 0 else cut
        lines.append(pdf_text(rest[:cut].rstrip()))
        rest = rest[cut:].lstrip()
    if rest:
        lines.append(pdf_text(_ellipsize(rest, font, size, max_width)))
    return lines


def _fitting_prefix(text: str, font: str, size: float, max_width: float) -> int:
    """Length of the longest prefix of ``text`` that fits (at least 1, so wrapping advances)."""
    low, high = 1, len(text)
    while low < high:  # binary search on the prefix length: widths only grow with length
        middle = (low + high + 1) // 2
        if pdfmetrics.stringWidth(text[:middle], font, size) <= max_width:
            low = middle
        else:
            high = middle - 1
    return low


def _ellipsize(text: str, font: str, size: float, max_width: float) -> str:
    """Longest prefix of ``text`` that fits with an ellipsis appended (whole text if it fits)."""
    if pdfmetrics.stringWidth(text, font, size) <= max_width:
        return text
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if pdfmetrics.stringWidth(text[:middle].rstrip() + ELLIPSIS, font, size) <= max_width:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + ELLIPSIS
