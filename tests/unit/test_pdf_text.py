"""Stored text reaches a PDF only through service/documents/pdf_text.py, as text, never markup.

Issue 18 finding 1: a product named ``Tea<img src="/dev/zero"/>`` made the audit report read
/dev/zero until the process died. These tests render real PDFs and read them back with pypdf,
and check by syntax tree that no module of service/ calls reportlab's text API another way.
"""

from __future__ import annotations

import ast
import io
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pypdf
from PIL import Image

from service.audit.report import render_audit_report
from service.audit.schemas import AuditRecord, Bundle, BundleBatch
from service.documents.pdf_text import REPLACEMENT, escape, markup, pdf_text
from service.labels.sheet import Label, render_label_sheet
from service.verdicts.schemas import RecordVerdict

SERVICE = Path(__file__).resolve().parents[2] / "service"
HELPER = SERVICE / "documents" / "pdf_text.py"


def audit_pdf(product: str, lot: str = "L1", location: str = "Plant 2") -> bytes:
    bundle = Bundle(
        generated_at=datetime(2026, 11, 2, tzinfo=UTC),
        chain_id=31337,
        contract="0xabc",
        batch=BundleBatch(
            gtin="09506000134352", lot=lot, product_name=product, owner="acme", record_count=1
        ),
        records=[],
        anchors=[],
    )
    record = AuditRecord(
        n=0,
        record={"event": {"bizStep": "commissioning", "lp:location": location}},
        digest="0x" + "ab" * 32,
        prev=None,
        verdict=RecordVerdict.pending,
        reason=None,
        redacted=False,
        anchor=None,
        proof=[],
    )
    return render_audit_report(bundle, [record], "pending")


def read(pdf: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(pdf))


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in read(pdf).pages)


class TestCleaning:
    def test_controls_and_bidi_overrides_are_replaced_line_breaks_become_spaces(self) -> None:
        assert pdf_text("a\x00b\x1bc\x7fd\x9fe\u202ef\u2066g") == REPLACEMENT.join("abcdefg")
        assert pdf_text("one\ntwo\r\nthree\tfour\u2028five") == "one two  three four five"

    def test_ordinary_text_is_untouched(self) -> None:
        for text in ("有机绿茶 Organic", "Café & Crème <50%>", "\u200f\u05e9\u05dc\u05d5\u05dd"):
            assert pdf_text(text) == text

    def test_markup_escapes_values_but_keeps_its_own_tags(self) -> None:
        hostile = '<img src="/dev/zero"/> & <a href="x">'
        assert escape(hostile) == '&lt;img src="/dev/zero"/&gt; &amp; &lt;a href="x"&gt;'
        assert markup("<b>{v}</b> {{id}}", v=hostile) == f"<b>{escape(hostile)}</b> {{id}}"


class TestRenderedPdfs:
    def test_audit_report_shows_markup_literally_and_embeds_nothing(self, tmp_path: Path) -> None:
        png = tmp_path / "secret.png"
        Image.new("RGB", (8, 8), "red").save(png)
        product = (
            f'Tea<img src="{png}"/><a href="https://evil.example/">Pay here</a>'
            '<font color="white" size="1">hidden</font><onDraw name="x"/>&amp;'
        )
        pdf = audit_pdf(product, lot="<br/><seq/>=1+2", location="Hall\nFORGED ROW")
        text = text_of(pdf)
        flat = "".join(text.split())
        assert "".join(product.split()) in flat
        assert "<br/><seq/>=1+2" in flat
        assert "Hall FORGED ROW" in text  # one table line, not two
        for page in read(pdf).pages:
            assert not page.images and "/Annots" not in page

    def test_label_sheet_draws_controls_as_replacement_characters(self) -> None:
        label = Label(
            url="https://t.example/01/09506000134352/10/L1",
            gtin="09506000134352",
            lot="<b>L1",
            product_name="Tea\x1b[2J\u202egpj",
        )
        text = text_of(render_label_sheet([label]))
        assert "(10) <b>L1" in text
        assert f"Tea{REPLACEMENT}[2J{REPLACEMENT}gpj" in text
        assert "\x1b" not in text and "\u202e" not in text

    def test_dev_zero_in_a_name_does_not_exhaust_memory(self) -> None:
        """In a child process capped at 512 MiB more address space than it has after import:
        the old report read /dev/zero until the cap and died with MemoryError."""
        done = subprocess.run(
            [sys.executable, "-c", DEV_ZERO_SCRIPT],
            cwd=SERVICE.parent,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0 and "rendered" in done.stdout, done.stderr[-2000:]


# Imports only what the report had before the helper existed, so it runs on old code too.
DEV_ZERO_SCRIPT = """
import io, resource
from datetime import UTC, datetime
import pypdf
from service.audit.report import render_audit_report
from service.audit.schemas import Bundle, BundleBatch
with open("/proc/self/statm") as statm:
    size = int(statm.read().split()[0]) * resource.getpagesize()
cap = size + 512 * 2**20
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
name = 'Tea<img src="/dev/zero"/>'
batch = BundleBatch(gtin="09506000134352", lot=name, product_name=name, owner="a", record_count=0)
bundle = Bundle(
    generated_at=datetime.now(UTC), chain_id=1, contract="0x", batch=batch, records=[], anchors=[]
)
pdf = render_audit_report(bundle, [], "pending")
text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
assert name in text, text
print("rendered", len(pdf))
"""


# Names that draw text or build parsed text in reportlab: only the helper may use them.
_TEXT_CALLS = {"Paragraph", "Table", "LongTable", "Preformatted", "XPreformatted"}
_CANVAS_TEXT = {
    "drawString",
    "drawCentredString",
    "drawRightString",
    "drawAlignedString",
    "beginText",
    "drawText",
}
_CASTS = {"PdfMarkup", "PdfText"}


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def violations(source: str, where: str) -> list[str]:
    """Each place in ``source`` that bypasses the helper, as "file:line: what"."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in _CANVAS_TEXT:
            found.append(f"{where}:{node.lineno}: canvas.{node.attr}")
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        if name in _TEXT_CALLS or name in _CASTS:
            found.append(f"{where}:{node.lineno}: {name}(...)")
        first = node.args[0] if node.args else None
        if name == "markup" and not (
            isinstance(first, ast.Constant) and isinstance(first.value, str)
        ):
            found.append(f"{where}:{node.lineno}: markup() template is not a string literal")
    return found


class TestNoOtherRoad:
    def test_the_checker_finds_each_bypass(self) -> None:
        bad = textwrap.dedent(
            """
            Paragraph(f"{name}", style)
            t = platypus.Table(rows)
            canvas.drawString(1, 2, name)
            PdfMarkup(name)
            markup(f"<b>{name}</b>")
            markup(template)
            """
        )
        assert len(violations(bad, "bad.py")) == 6
        assert violations('markup("<b>{v}</b>", v=name)', "good.py") == []

    def test_no_module_of_the_service_bypasses_the_helper(self) -> None:
        found = []
        for path in sorted(SERVICE.rglob("*.py")):
            source = path.read_text()
            # Only a module that uses reportlab can put text into a PDF (a migration's
            # sa.Table is no platypus Table).
            if path != HELPER and "reportlab" in source:
                found += violations(source, str(path.relative_to(SERVICE.parent)))
        assert found == []
