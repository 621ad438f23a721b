"""The audit report: the proof bundle as a PDF for people (reportlab platypus).

Written in the reader's language (``service/i18n/catalogue/report.py``), in one embedded font
that covers Chinese and Latin (``service.documents.fonts``), so a Chinese product name or place
prints as itself on any viewer. Each record says who acted, what it found, when (in the event's
own offset) and its verdict.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.platypus import (  # type: ignore[import-untyped]
    Flowable,
    KeepTogether,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)

from service.audit import findings
from service.audit.schemas import AuditRecord, Bundle
from service.config import DEFAULT_PDF_FONT
from service.documents.fonts import document_font
from service.documents.pdf_text import PdfText, escape, markup, paragraph, pdf_text, table
from service.i18n import DEFAULT_LANGUAGE, Translator
from service.verdicts.schemas import RecordVerification

_VERDICT_COLOURS = {
    "verified": colors.HexColor("#0b6b2e"),
    "redacted": colors.HexColor("#555555"),
    "pending": colors.HexColor("#7a4a00"),
    "tampered": colors.HexColor("#a11212"),
}
_GREY = colors.HexColor("#555555")
_BATCH_AS_RECORD = {"authentic": "verified", "pending": "pending", "tampered": "tampered"}


class _Styles:
    """The report's paragraph styles, all in the one embedded font."""

    def __init__(self, font: str) -> None:
        def style(name: str, size: float, **options: object) -> ParagraphStyle:
            return ParagraphStyle(name, fontName=font, fontSize=size, leading=size * 1.3, **options)

        self.font = font
        self.title = style("title", 17, spaceAfter=4 * mm)
        self.heading = style("heading", 12.5, spaceBefore=4 * mm, spaceAfter=2 * mm)
        self.body = style("body", 9.5, spaceAfter=1.5 * mm)
        self.line = style("line", 8.5, leftIndent=5 * mm)
        self.proof = style("proof", 7.5, leftIndent=5 * mm, textColor=_GREY, spaceAfter=2.5 * mm)
        self.heads = {
            verdict: style(f"head-{verdict}", 9.5, textColor=colour, spaceBefore=1 * mm)
            for verdict, colour in _VERDICT_COLOURS.items()
        }
        # The batch's verdict, coloured as the record verdict it stands for.
        self.verdicts = {
            batch: style(
                f"verdict-{batch}", 11.5, textColor=_VERDICT_COLOURS[record], spaceAfter=1.5 * mm
            )
            for batch, record in _BATCH_AS_RECORD.items()
        }


def _short(hex_value: str | None, keep: int = 10) -> str:
    if not hex_value:
        return "-"
    return hex_value if len(hex_value) <= 2 * keep else f"{hex_value[:keep]}…{hex_value[-6:]}"


def _record(
    t: Translator, styles: _Styles, item: AuditRecord, check: RecordVerification | None
) -> Flowable:
    """One record: what and its verdict; when and where; who; what it found; its proof."""
    content = item.record or {}
    found_event = content.get("event")
    event: dict[str, Any] = found_event if isinstance(found_event, dict) else {}
    verdict = item.verdict.value
    head = t(
        "report.record_head",
        n=item.n,
        event=findings.event_name(t, event, check),
        verdict=t(f"report.record_verdict.{verdict}"),
    )
    # A record its actor declared erroneous stays (it is anchored), struck through.
    struck = item.declared_erroneous is not None
    text = markup("<strike>{head}</strike>", head=head) if struck else escape(head)
    lines = [paragraph(text, styles.heads.get(verdict, styles.body))]
    lines += [paragraph(escape(note), styles.line) for note in findings.corrections(t, item)]
    if item.record is None:
        lines.append(paragraph(escape(t("report.redacted_note", reason=item.reason)), styles.line))
    else:
        time, location = findings.event_time(event, check), event.get("lp:location")
        when = (
            t("report.when_where", time=time, location=location)
            if location
            else t("report.when", time=time)
        )
        lines.append(paragraph(escape(when), styles.line))
        lines.append(paragraph(escape(t("report.by", actor=findings.actor(t, item))), styles.line))
        found = findings.findings(t, event, check)
        if found:
            finding = t("report.found", finding=t("report.separator").join(found))
            lines.append(paragraph(escape(finding), styles.line))
    if verdict == "tampered":
        lines.append(paragraph(escape(t("report.tampered_note")), styles.line))
    if item.anchor is None:
        proof = t("report.proof.not_anchored", digest=_short(item.digest))
    else:
        proof = t("report.proof.anchored", digest=_short(item.digest), anchor=item.anchor.index)
    lines.append(paragraph(escape(proof), styles.proof))
    return KeepTogether(lines)


def _cells(*values: object) -> list[PdfText]:
    return [pdf_text(value) for value in values]


def _anchors(t: Translator, styles: _Styles, bundle: Bundle) -> Flowable:
    if not bundle.anchors:
        return paragraph(escape(t("report.anchors_empty")), styles.body)
    columns = ("index", "root", "leaves", "block", "transaction")
    rows = [_cells(*(t(f"report.column.{c}") for c in columns))]
    for a in bundle.anchors:
        rows.append(
            _cells(
                a.index,
                _short(a.root, 14),
                a.leaf_count,
                a.block_number or "-",
                _short(a.tx_hash, 14),
            )
        )
    result = table(rows, colWidths=[w * mm for w in (14, 52, 14, 16, 70)], repeatRows=1)
    result.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), styles.font, 7.5),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f3f3f3")]),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return result


def render_audit_report(
    bundle: Bundle,
    records: Sequence[AuditRecord],
    verdict: str,
    *,
    checks: Sequence[RecordVerification] = (),
    language: str = DEFAULT_LANGUAGE,
    owner_name: str | None = None,
    font: Path = DEFAULT_PDF_FONT,
) -> bytes:
    """Batch, verdict, each record (who, what it found, when, verdict), anchors, how to re-check.

    ``checks``: the records' verifications with their actors named
    (``service.verdicts.actors.name_actors``), matched to ``records`` by ``n``; without them a
    record names its actor by slug and shows only what its content says.
    """
    t = Translator(language)
    styles = _Styles(document_font(font))
    by_n = {check.n: check for check in checks}
    batch = bundle.batch
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=pdf_text(f"Lotproof audit {batch.gtin} {batch.lot}"),
        lang=language,
        initialFontName=styles.font,  # no standard font is left for a viewer to substitute
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        invariant=1,
    )
    owner = f"{owner_name} ({batch.owner})" if owner_name else batch.owner
    summary = t(
        "report.summary",
        gtin=batch.gtin,
        lot=batch.lot,
        product=batch.product_name,
        owner=owner,
        count=batch.record_count,
        generated=f"{bundle.generated_at:%Y-%m-%d %H:%M}",
    )
    verdict_text = t("report.verdict", verdict=t(f"report.batch_verdict.{verdict}"))
    story: list[Flowable] = [
        paragraph(escape(t("report.title")), styles.title),
        paragraph(escape(summary), styles.body),
        paragraph(escape(verdict_text), styles.verdicts.get(verdict, styles.body)),
        paragraph(
            escape(t("report.chain", chain=bundle.chain_id, contract=bundle.contract)), styles.body
        ),
        Spacer(1, 2 * mm),
        paragraph(escape(t("report.timeline")), styles.heading),
    ]
    story += [_record(t, styles, item, by_n.get(item.n)) for item in records]
    if not records:
        story.append(paragraph(escape(t("report.timeline_empty")), styles.body))
    story += [
        paragraph(escape(t("report.anchors")), styles.heading),
        _anchors(t, styles, bundle),
        paragraph(escape(t("report.recheck.title")), styles.heading),
        paragraph(escape(t("report.recheck")), styles.body),
    ]
    doc.build(story)
    return buffer.getvalue()
