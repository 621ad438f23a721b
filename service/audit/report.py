"""The audit report: the proof bundle as a PDF for people (reportlab platypus)."""

from __future__ import annotations

import io
from collections.abc import Sequence

from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.styles import getSampleStyleSheet  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.platypus import (  # type: ignore[import-untyped]
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from service.audit.schemas import AuditRecord, Bundle
from service.documents.pdf_text import PdfText, markup, paragraph, pdf_text, table

_STYLES = getSampleStyleSheet()
_VERDICT_COLOURS = {
    "verified": colors.HexColor("#0b6b2e"),
    "redacted": colors.HexColor("#555555"),
    "pending": colors.HexColor("#7a4a00"),
    "tampered": colors.HexColor("#a11212"),
}
# Our own markup, no stored text in it.
_RECHECK = markup(
    "Download the proof bundle (GET /api/v1/batches/{{id}}/audit/bundle) and run "
    "<font face='Courier'>python scripts/verify_bundle.py BUNDLE.json --rpc URL</font> "
    "(or <font face='Courier'>lotproof verify-bundle</font>) against any node of the "
    "chain above. It recomputes each record's SHA-256 digest of its RFC 8785 canonical "
    "JSON, checks the n/prev chain and each Merkle proof, and asks the TraceAnchor "
    "contract (anchorAt, verify) whether each root is anchored with the stated leaf "
    "count. Exit code 0 means every record verifies."
)


def _short(hex_value: str | None, keep: int = 10) -> str:
    if not hex_value:
        return "-"
    return hex_value if len(hex_value) <= 2 * keep else f"{hex_value[:keep]}…{hex_value[-6:]}"


def _cells(*values: object) -> list[PdfText]:
    return [pdf_text(value) for value in values]


def _record_rows(records: Sequence[AuditRecord]) -> list[list[PdfText]]:
    rows = [_cells("n", "what", "when (UTC)", "where", "digest", "anchor", "verdict")]
    for item in records:
        event = (item.record or {}).get("event", {})
        rows.append(
            _cells(
                item.n,
                event.get("bizStep", "(redacted)"),
                str(event.get("eventTime", "-"))[:16].replace("T", " "),
                str(event.get("lp:location", "-"))[:28],
                _short(item.digest),
                "-" if item.anchor is None else f"#{item.anchor.index}",
                item.verdict.value,
            )
        )
    return rows


def _anchor_rows(bundle: Bundle) -> list[list[PdfText]]:
    rows = [_cells("index", "root", "leaves", "block", "transaction")]
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
    return rows


def _table(rows: list[list[PdfText]], widths: list[float], verdicts: Sequence[str] = ()) -> Table:
    result = table(rows, colWidths=[w * mm for w in widths], repeatRows=1)
    style = [
        ("FONT", (0, 0), (-1, -1), "Helvetica", 7.5),
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 7.5),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f3f3f3")]),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    for row, verdict in enumerate(verdicts, start=1):
        colour = _VERDICT_COLOURS.get(verdict, colors.black)
        style.append(("TEXTCOLOR", (-1, row), (-1, row), colour))
    result.setStyle(TableStyle(style))
    return result


def render_audit_report(bundle: Bundle, records: Sequence[AuditRecord], verdict: str) -> bytes:
    """Batch, verdict, timeline with per-record verdicts, anchors, and how to re-check."""
    buffer = io.BytesIO()
    batch = bundle.batch
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=pdf_text(f"Lotproof audit {batch.gtin} {batch.lot}"),
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        invariant=1,
    )
    body, heading, title = _STYLES["BodyText"], _STYLES["Heading2"], _STYLES["Title"]
    story = [
        paragraph(markup("Lotproof audit report"), title),
        paragraph(
            markup(
                "Batch GTIN {gtin}, lot {lot} ({product}), owner {owner}. {count} records. "
                "Generated {generated} UTC.",
                gtin=batch.gtin,
                lot=batch.lot,
                product=batch.product_name,
                owner=batch.owner,
                count=batch.record_count,
                generated=f"{bundle.generated_at:%Y-%m-%d %H:%M}",
            ),
            body,
        ),
        paragraph(markup("<b>Verdict: {verdict}</b>", verdict=verdict), body),
        paragraph(
            markup(
                "Chain id {chain}, contract {contract}.",
                chain=bundle.chain_id,
                contract=bundle.contract,
            ),
            body,
        ),
        Spacer(1, 4 * mm),
        paragraph(markup("Timeline"), heading),
        _table(_record_rows(records), [8, 26, 26, 40, 34, 14, 18], [r.verdict for r in records]),
        paragraph(markup("Anchors"), heading),
        _table(_anchor_rows(bundle), [14, 52, 14, 16, 70]),
        paragraph(markup("How to re-check without trusting this service"), heading),
        paragraph(_RECHECK, body),
    ]
    doc.build(story)
    return buffer.getvalue()
