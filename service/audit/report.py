"""The audit report: the proof bundle as a PDF for people (reportlab platypus)."""

from __future__ import annotations

import io
from collections.abc import Sequence

from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
from reportlab.lib.styles import getSampleStyleSheet  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.platypus import (  # type: ignore[import-untyped]
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from service.audit.schemas import AuditRecord, Bundle

_STYLES = getSampleStyleSheet()
_VERDICT_COLOURS = {
    "verified": colors.HexColor("#0b6b2e"),
    "redacted": colors.HexColor("#555555"),
    "pending": colors.HexColor("#7a4a00"),
    "tampered": colors.HexColor("#a11212"),
}


def _short(hex_value: str | None, keep: int = 10) -> str:
    if not hex_value:
        return "-"
    return hex_value if len(hex_value) <= 2 * keep else f"{hex_value[:keep]}…{hex_value[-6:]}"


def _record_rows(records: Sequence[AuditRecord]) -> list[list[str]]:
    rows = [["n", "what", "when (UTC)", "where", "digest", "anchor", "verdict"]]
    for item in records:
        event = (item.record or {}).get("event", {})
        rows.append(
            [
                str(item.n),
                str(event.get("bizStep", "(redacted)")),
                str(event.get("eventTime", "-"))[:16].replace("T", " "),
                str(event.get("lp:location", "-"))[:28],
                _short(item.digest),
                "-" if item.anchor is None else f"#{item.anchor.index}",
                item.verdict.value,
            ]
        )
    return rows


def _table(rows: list[list[str]], widths: list[float], verdicts: Sequence[str] = ()) -> Table:
    table = Table(rows, colWidths=[w * mm for w in widths], repeatRows=1)
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
    table.setStyle(TableStyle(style))
    return table


def render_audit_report(bundle: Bundle, records: Sequence[AuditRecord], verdict: str) -> bytes:
    """Batch, verdict, timeline with per-record verdicts, anchors, and how to re-check."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=f"Lotproof audit {bundle.batch.gtin} {bundle.batch.lot}",
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        invariant=1,
    )
    body, heading, title = _STYLES["BodyText"], _STYLES["Heading2"], _STYLES["Title"]
    batch = bundle.batch
    story = [
        Paragraph("Lotproof audit report", title),
        Paragraph(
            f"Batch GTIN {batch.gtin}, lot {batch.lot} ({batch.product_name}), owner "
            f"{batch.owner}. {batch.record_count} records. Generated "
            f"{bundle.generated_at:%Y-%m-%d %H:%M} UTC.",
            body,
        ),
        Paragraph(f"<b>Verdict: {verdict}</b>", body),
        Paragraph(f"Chain id {bundle.chain_id}, contract {bundle.contract}.", body),
        Spacer(1, 4 * mm),
        Paragraph("Timeline", heading),
        _table(_record_rows(records), [8, 26, 26, 40, 34, 14, 18], [r.verdict for r in records]),
        Paragraph("Anchors", heading),
        _table(
            [["index", "root", "leaves", "block", "transaction"]]
            + [
                [
                    str(a.index),
                    _short(a.root, 14),
                    str(a.leaf_count),
                    str(a.block_number or "-"),
                    _short(a.tx_hash, 14),
                ]
                for a in bundle.anchors
            ],
            [14, 52, 14, 16, 70],
        ),
        Paragraph("How to re-check without trusting this service", heading),
        Paragraph(
            "Download the proof bundle (GET /api/v1/batches/{id}/audit/bundle) and run "
            "<font face='Courier'>python scripts/verify_bundle.py BUNDLE.json --rpc URL</font> "
            "(or <font face='Courier'>lotproof verify-bundle</font>) against any node of the "
            "chain above. It recomputes each record's SHA-256 digest of its RFC 8785 canonical "
            "JSON, checks the n/prev chain and each Merkle proof, and asks the TraceAnchor "
            "contract (anchorAt, verify) whether each root is anchored with the stated leaf "
            "count. Exit code 0 means every record verifies.",
            body,
        ),
    ]
    doc.build(story)
    return buffer.getvalue()
