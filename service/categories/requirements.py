"""The certificate gate: a category's products are made and handled only by organisations
holding, valid that day, every certificate type the category requires."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from service.categories.repository import CategoryRepository
from service.certificates.repository import CertificateRepository
from service.certificates.validity import why_not_valid
from service.db.models import Organization, Product
from service.errors import Conflict


def require_certificates(
    session: Session, org: Organization, product: Product, today: date
) -> None:
    """Raise Conflict unless ``org`` holds, valid on ``today``, every certificate type the
    product's category requires. Products without a category need none."""
    if product.category is None:
        return
    category = CategoryRepository(session).get_by_name(product.category)
    if category is None or not category.required_certificates:
        return
    held = CertificateRepository(session).list_by_org_and_types(
        org.id, category.required_certificates
    )
    problems = []
    for kind in category.required_certificates:
        problem = why_not_valid([c for c in held if c.type == kind], today)
        if problem is not None:
            message = f"certificate {kind!r} required for category {category.name!r} {problem[1]}"
            problems.append(
                {
                    "field": "certificate",
                    "certificate": kind,
                    "category": category.name,
                    "reason": problem[0],
                    "message": message,
                }
            )
    if problems:
        error = Conflict("; ".join(p["message"] for p in problems), field="certificate")
        error.errors = problems
        raise error
