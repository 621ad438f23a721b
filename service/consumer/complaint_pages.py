"""The shopper's pages around complaints: the error pages of the resolver (with "report a
suspected fake"), the complaint form re-shown with what was typed, and the tracking page.

Every text comes from the catalogue (``service/i18n/catalogue/errors.py`` and
``complaints.py``); a service's own error detail (English, for developers) is never shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from service.complaints.schemas import ComplaintCategory, ComplaintStatus
from service.consumer.page import render
from service.i18n import Translator

# The parser's refusals (service.gs1.parse_link_path), by how their text starts, as catalogue
# keys: the shopper reads what is wrong in their language, never the developer's wording.
_LINK_REASONS: tuple[tuple[str, str], ...] = (
    ("a product link starts", "error.link.start"),
    ("GTIN must be", "error.link.gtin_form"),
    ("GTIN check digit", "error.link.gtin_check"),
    ("expected /10/", "error.link.qualifiers"),
    ("lot must be", "error.link.lot"),
    ("serial must be", "error.link.serial"),
)

# The longest link a complaint takes (ComplaintCreate.link): a longer scanned path is cut, and
# the report still reaches the admins.
MAX_LINK = 200


def link_reason_key(detail: str | None) -> str:
    for start, key in _LINK_REASONS:
        if (detail or "").startswith(start):
            return key
    return "error.link.other"


# Which page an error status shows when it is about a complaint or its tracking code.
_KIND_BY_STATUS = {404: "no_complaint", 429: "too_many"}


def render_error_page(
    t: Translator,
    *,
    status: int,
    kind: str | None = None,
    detail: str | None = None,
    report_link: str | None = None,
) -> str:
    """An error page. ``kind`` "bad_request" (a malformed product link, ``detail`` being the
    parser's refusal) and "not_found" (a product link naming nothing registered) explain what
    the code means and, with ``report_link``, offer to report a suspected fake of it."""
    kind = kind or _KIND_BY_STATUS.get(status, "other")
    return render(
        "error.html",
        t,
        status=status,
        kind=kind,
        reason_key=link_reason_key(detail) if kind == "bad_request" else None,
        report_link=report_link[:MAX_LINK] if report_link is not None else None,
    )


@dataclass
class FormInput:
    """What the shopper sent, kept to fill the form again, and what is wrong with it."""

    link: str
    category: str
    description: str
    contact: str
    # Field name -> catalogue key of the message shown next to it.
    errors: dict[str, str] = field(default_factory=dict)


def render_complaint_form(t: Translator, form: FormInput) -> str:
    return render(
        "complaint_form.html",
        t,
        form=form,
        categories=[c.value for c in ComplaintCategory],
    )


def render_complaint_page(t: Translator, complaint: ComplaintStatus, *, just_filed: bool) -> str:
    return render("complaint.html", t, complaint=complaint, just_filed=just_filed)


# Pydantic's error types per field of ComplaintCreate, as the messages the shopper reads.
_TEXT_ERRORS: Mapping[str, str] = {
    "string_too_short": "complaint.error.description_short",
    "string_too_long": "complaint.error.description_long",
}


def form_error_key(field_name: str, error_type: str) -> str:
    """The catalogue key for one validation error of the complaint form."""
    if field_name == "description":
        return _TEXT_ERRORS.get(error_type, "complaint.error.text_characters")
    if field_name == "contact":
        return "complaint.error.contact"
    if field_name == "category":
        return "complaint.error.category"
    return "complaint.error.link"


def first_errors(errors: Sequence[tuple[str, str]]) -> dict[str, str]:
    """Field -> message key of each field's first error: one message per field."""
    found: dict[str, str] = {}
    for field_name, error_type in errors:
        found.setdefault(field_name, form_error_key(field_name, error_type))
    return found
