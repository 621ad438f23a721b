"""Server-rendered consumer pages (Jinja2, autoescaped, no JavaScript)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context

from service.complaints.schemas import ComplaintCategory, ComplaintStatus
from service.consumer.schemas import BatchFacts
from service.i18n import Translator
from service.i18n.times import local_date, local_time
from service.verdicts.ordering import by_event_time

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"

# Strict: our own stylesheet, no script at all, forms only to ourselves, never framed.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)

_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)

# UN/ECE Recommendation 20 codes as a shopper reads them.
_UNIT_SYMBOLS = {
    "KGM": "kg",
    "GRM": "g",
    "TNE": "t",
    "LTR": "L",
    "MLT": "mL",
    "MTR": "m",
    "CEL": "°C",
}
_UNIT_WORDS = {"H87": {"en": "pieces", "zh-CN": "件"}, "XBX": {"en": "boxes", "zh-CN": "箱"}}


def unit_label(code: str, language: str) -> str:
    if code in _UNIT_SYMBOLS:
        return _UNIT_SYMBOLS[code]
    return _UNIT_WORDS.get(code, {}).get(language, code)


@pass_context
def _local_date(context: Context, moment: datetime) -> str:
    """A day on the page that belongs to no event: in the lot's own offset."""
    return local_date(moment, context.get("home_offset"))


_env.filters["unit_label"] = unit_label
_env.filters["local_time"] = local_time
_env.filters["local_date"] = _local_date
_env.filters["prefix"] = lambda text, prefix: f"{prefix}{text}"
_env.filters["translate"] = lambda key, t: t(key)


def _render(template: str, t: Translator, **context: Any) -> str:
    return _env.get_template(template).render(t=t, **context)


def render_batch_page(
    facts: BatchFacts, t: Translator, *, link_path: str, explorer_url: str | None
) -> str:
    self_link = facts.unit.digital_link if facts.unit else facts.batch.digital_link
    return _render(
        "batch.html",
        t,
        facts=facts,
        self_link=self_link,
        link_path=link_path,
        explorer_url=explorer_url.rstrip("/") if explorer_url else None,
        categories=[c.value for c in ComplaintCategory],
        home_offset=next((r.time_zone_offset for r in facts.records if r.time_zone_offset), None),
        # When things happened, not when they were written down (the audit keeps that order).
        timeline=by_event_time(facts.records),
        records_by_n={r.n: r for r in facts.records},
    )


def render_error_page(t: Translator, *, status: int, detail: str | None) -> str:
    kind = {400: "bad_request", 404: "not_found", 429: "too_many"}.get(status, "bad_request")
    message = t("error.not_found") if status == 404 else ""
    css = "tampered" if status == 404 else "pending"
    return _render(
        "error.html",
        t,
        status=status,
        title=t(f"error.{kind}.title"),
        message=message,
        detail=detail,
        css=css,
    )


def render_complaint_page(t: Translator, complaint: ComplaintStatus, *, just_filed: bool) -> str:
    return _render("complaint.html", t, complaint=complaint, just_filed=just_filed)
