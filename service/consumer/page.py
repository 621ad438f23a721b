"""Server-rendered consumer pages (Jinja2, autoescaped, no JavaScript)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from jinja2.runtime import Context

from service.complaints.schemas import ComplaintCategory
from service.complaints.workflow import COMPLAINT_EVENT_TYPE
from service.consumer.readings import TemperatureReading
from service.consumer.schemas import BatchFacts
from service.i18n import Translator
from service.i18n.catalogue import CATALOGUE
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


def label(code: str, prefix: str, t: Translator) -> str:
    """A code (a UN/ECE Rec. 20 unit, a certificate type) as a shopper reads it in their
    language; the code itself when the catalogue has no label for it."""
    key = f"{prefix}{code}"
    return t(key) if key in CATALOGUE else code


@pass_context
def _local_date(context: Context, moment: datetime) -> str:
    """A day on the page that belongs to no event: in the lot's own offset."""
    return local_date(moment, context.get("home_offset"))


_env.filters["label"] = label
_env.filters["local_time"] = local_time
_env.filters["local_date"] = _local_date
_env.filters["prefix"] = lambda text, prefix: f"{prefix}{text}"
_env.filters["translate"] = lambda key, t: t(key)


def render(template: str, t: Translator, **context: Any) -> str:
    """A consumer page: one Jinja environment (autoescaped, the filters above) for all of them."""
    return _env.get_template(template).render(t=t, **context)


def _readings_by_record(facts: BatchFacts) -> dict[int, list[TemperatureReading]]:
    by_n: dict[int, list[TemperatureReading]] = {}
    for reading in facts.temperatures:
        by_n.setdefault(reading.n, []).append(reading)
    return by_n


def render_batch_page(
    facts: BatchFacts, t: Translator, *, link_path: str, explorer_url: str | None
) -> str:
    self_link = facts.unit.digital_link if facts.unit else facts.batch.digital_link
    # When things happened, not when they were written down (the audit keeps that order).
    in_time = by_event_time(facts.records)
    return render(
        "batch.html",
        t,
        facts=facts,
        self_link=self_link,
        link_path=link_path,
        explorer_url=explorer_url.rstrip("/") if explorer_url else None,
        categories=[c.value for c in ComplaintCategory],
        home_offset=next((r.time_zone_offset for r in facts.records if r.time_zone_offset), None),
        timeline=[r for r in in_time if r.type != COMPLAINT_EVENT_TYPE],
        # Shoppers' complaints are counted by category and status, not listed as identical
        # rows; their records stay one click away.
        complaint_records=[r for r in in_time if r.type == COMPLAINT_EVENT_TYPE],
        readings_by_n=_readings_by_record(facts),
        records_by_n={r.n: r for r in facts.records},
    )
