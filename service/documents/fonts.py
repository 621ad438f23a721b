"""The one font of the service's PDFs: a TrueType font covering Chinese and Latin, embedded.

Why embedded: the 14 standard PDF fonts (Helvetica...) cover Latin-1 only, so a Chinese product
name or place printed as black boxes; reportlab's CID font STSong-Light is not embedded at all,
and a viewer without Adobe's Asian font pack draws boxes or a substitute. reportlab embeds a
subset of a TrueType font (only the glyphs used), so every character prints on any viewer.

Why TrueType: reportlab embeds TrueType (``glyf``) outlines only, not CFF, so Noto Sans CJK
(OpenType/CFF) cannot serve. The default is Debian's fonts-wqy-microhei (``LOTPROOF_PDF_FONT``,
``service.config``), which has Latin and the Chinese characters in one face.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from reportlab.lib.fonts import addMapping  # type: ignore[import-untyped]
from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfbase.ttfonts import TTFError, TTFont  # type: ignore[import-untyped]

from service.errors import LotproofError

# A font that lacks any of these draws boxes for Chinese or Latin text: refused, not used.
_MUST_COVER = "A9é扫码验证质检召回"
_INSTALL_HINT = (
    "set LOTPROOF_PDF_FONT to a TrueType font (.ttf or .ttc) that covers Chinese and Latin, "
    "e.g. Debian's fonts-wqy-microhei (/usr/share/fonts/truetype/wqy/wqy-microhei.ttc)"
)


class PdfFontMissing(LotproofError):
    """The configured font cannot be embedded: a server's setup fault, not the client's."""

    status_code = 500
    title = "PDF font missing"


@cache
def document_font(path: Path) -> str:
    """The reportlab name of the TrueType font at ``path``, registered on first use.

    ``<b>`` and ``<i>`` in paragraph markup map to the same face: one font covers everything,
    and emphasis comes from size and colour.
    """
    try:
        font = TTFont(_font_name(path), str(path), subfontIndex=0)
    except OSError as e:
        raise PdfFontMissing(
            f"the PDF font {path} cannot be read ({e.strerror}); {_INSTALL_HINT}"
        ) from e
    except TTFError as e:
        raise PdfFontMissing(
            f"the PDF font {path} cannot be embedded ({e}); {_INSTALL_HINT}"
        ) from e
    missing = [char for char in _MUST_COVER if ord(char) not in font.face.charToGlyph]
    if missing:
        raise PdfFontMissing(
            f"the PDF font {path} has no glyph for {''.join(missing)!r}; {_INSTALL_HINT}"
        )
    pdfmetrics.registerFont(font)
    for bold in (0, 1):
        for italic in (0, 1):
            addMapping(font.fontName, bold, italic, font.fontName)
    return str(font.fontName)


def _font_name(path: Path) -> str:
    # reportlab's registry is process-wide: a name per file, so two paths never share one.
    return "Lotproof-" + hashlib.sha256(str(path).encode()).hexdigest()[:12]
