"""The plain HTML page a phone gets when it opens a batch's QR code."""

from __future__ import annotations

from html import escape

from service.consumer.schemas import BatchFacts

_VERDICT_TEXT = {
    "authentic": "Authentic: every record matches what was anchored on the blockchain.",
    "pending": "Pending: some records are not anchored on the blockchain yet.",
    "tampered": "Warning: some records do not match what was anchored. Do not trust this batch.",
}

_STYLE = """
body{font-family:system-ui,sans-serif;margin:0 auto;max-width:40rem;padding:1rem;line-height:1.4}
.verdict{padding:.8rem;border-radius:.5rem;font-weight:600}
.authentic{background:#e6f4ea}.pending{background:#fff4e5}.tampered{background:#fdecea}
li{margin:.6rem 0}code{word-break:break-all;font-size:.8em}
"""


def render_batch_page(facts: BatchFacts) -> str:
    batch = facts.batch
    items = "\n".join(
        f"<li><strong>{escape(r.type)}</strong> {escape(r.event_time.isoformat())}"
        f" at {escape(r.location or '')} by {escape(r.actor or '')}"
        f" <span class='{escape(r.verdict)}'>[{escape(r.verdict)}]</span>"
        + (f" ({escape(r.reason)})" if r.reason else "")
        + f"<br><code>{escape(r.digest)}</code>"
        + (
            f"<br>anchor #{r.anchor.index}, block {r.anchor.block_number}"
            if r.anchor is not None
            else ""
        )
        + "</li>"
        for r in facts.records
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>{escape(batch.product_name)} lot {escape(batch.lot)}</title><style>{_STYLE}</style></head>
<body>
<h1>{escape(batch.product_name)}</h1>
<p>GTIN {escape(batch.gtin)} &middot; lot {escape(batch.lot)} &middot;
{batch.quantity:g} {escape(batch.unit)} &middot; by {escape(batch.supplier)}</p>
<p class="verdict {escape(facts.verdict)}" id="verdict" data-verdict="{escape(facts.verdict)}">
{escape(_VERDICT_TEXT[facts.verdict])}</p>
<h2>History</h2>
<ol start="0">
{items}
</ol>
<p><small>Blockchain: {escape(facts.chain.state)}.
Machine-readable: request this page with <code>Accept: application/json</code>.</small></p>
</body></html>
"""


def render_not_found(detail: str) -> str:
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>Not found</title></head><body><h1>Unknown product</h1><p>{escape(detail)}</p>"
        "<p>This code is not registered with this service. Be careful: it may be a counterfeit."
        "</p></body></html>"
    )
