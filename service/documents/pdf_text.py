"""The one road from stored text into a PDF: every reportlab text call of the service is here.

Why: reportlab's ``Paragraph`` parses its text as markup, so a product name, lot or location
that reaches it raw is an instruction to the renderer. ``<img src="/dev/zero"/>`` reads that
path into memory until the process dies; ``<img src>`` of a server file (or a URL) embeds it
in the PDF; ``<a href>`` adds a live link and ``<font>`` restyles or hides text; a tag or
attribute reportlab cannot handle raises, so the document becomes a 500 for every reader.
Canvas strings and ``Table`` cells are not parsed, but control characters draw as boxes, a
newline splits a table cell into a forged extra line, and bidirectional overrides make copied
text read in another order than it was stored.

How it stays closed:

* Two types, ``PdfText`` (clean text drawn as it is) and ``PdfMarkup`` (paragraph markup in
  which every stored character is escaped). They are ``NewType``s of ``str``: mypy --strict
  refuses a plain ``str`` where one is expected, and only ``pdf_text``, ``escape`` and
  ``markup`` here make them.
* ``paragraph``, ``table`` and ``draw_centred`` accept only those types, and they are the only
  reportlab text calls in ``service/``: ``tests/unit/test_pdf_text.py`` walks every module's
  syntax tree and fails on ``Paragraph``, ``Table``, canvas ``draw*String``/text objects, or a
  ``PdfMarkup(...)``/``PdfText(...)`` cast anywhere else, and on a ``markup`` template that is
  not a string literal (``LiteralString`` says so too, but mypy does not enforce it yet).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any, LiteralString, NewType

from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]
from reportlab.platypus import Paragraph, Table  # type: ignore[import-untyped]

PdfText = NewType("PdfText", str)
PdfMarkup = NewType("PdfMarkup", str)

REPLACEMENT = "\ufffd"
# Characters that end a line or a paragraph become a space: in a table cell they would start
# a new line nobody typed. Every other C0/C1 control and the bidirectional embeddings,
# overrides and isolates (U+202A-U+202E, U+2066-U+2069) become U+FFFD, so the reader sees that
# something was there instead of a silent change of meaning.
_LINE_BREAKS = "\t\n\v\f\r\x1c\x1d\x1e\x85\u2028\u2029"
_CLEAN = str.maketrans(
    {
        **{code: REPLACEMENT for code in [*range(0x20), *range(0x7F, 0xA0)]},
        **{code: REPLACEMENT for code in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]},
        **{ord(char): " " for char in _LINE_BREAKS},
    }
)


def pdf_text(value: object) -> PdfText:
    """``value`` as text that draws as what it says: for canvas strings and table cells."""
    return PdfText(str(value).translate(_CLEAN))


def escape(value: object) -> PdfMarkup:
    """``value`` as paragraph markup that reportlab shows literally (``&``, ``<``, ``>``)."""
    return PdfMarkup(html.escape(pdf_text(value), quote=False))


def markup(template: LiteralString, **values: object) -> PdfMarkup:
    """Our own markup (``template``, a literal: the tags are ours) with each value escaped.

    ``markup("<b>Verdict: {verdict}</b>", verdict=v)``; literal braces are written ``{{ }}``.
    """
    return PdfMarkup(template.format(**{name: escape(v) for name, v in values.items()}))


def paragraph(text: PdfMarkup, style: Any) -> Paragraph:
    """The only ``Paragraph`` of the service: its text must come from ``markup``/``escape``."""
    return Paragraph(text, style)


def table(rows: Sequence[Sequence[PdfText]], **options: Any) -> Table:
    """A ``Table`` whose cells are clean text (reportlab draws plain string cells unparsed)."""
    return Table([list(row) for row in rows], **options)


def draw_centred(canvas: Canvas, x: float, y: float, text: PdfText) -> None:
    """Canvas text centred on ``x`` (reportlab escapes PDF string syntax; we clean the rest)."""
    canvas.drawCentredString(x, y, text)
