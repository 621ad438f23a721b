"""Product categories: which certificates a supplier needs, and the quality-alert thresholds."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy.orm import Session

from service.categories.repository import CategoryRepository
from service.categories.schemas import (
    AlertThresholds,
    CategoryList,
    CategoryPut,
    CategoryRead,
    EffectiveThresholds,
)
from service.config import Settings
from service.db.base import utcnow
from service.db.models import Category, Organization, OrgRole
from service.errors import Forbidden, NotFound
from service.orgs.repository import OrgRepository

T = TypeVar("T")


def put_category(
    session: Session, org: Organization, name: str, data: CategoryPut
) -> tuple[Category, bool]:
    """Create or replace the category ``name``; whether it was created."""
    if org.role != OrgRole.admin:
        raise Forbidden("only admins configure product categories")
    repo = CategoryRepository(session)
    category = repo.get_by_name(name)
    created = category is None
    if category is None:
        category = Category(name=name)
    alert = data.alert or AlertThresholds()
    # Replace, not merge: what the admin sent is the whole category.
    category.required_certificates = list(data.required_certificates)
    category.alert_min_complaints = alert.min_complaints
    category.alert_per_1000 = alert.per_1000
    category.alert_window_days = alert.window_days
    category.updated_by_org_id = org.id
    category.updated_at = utcnow()
    repo.add(category)
    return category, created


def get_category(session: Session, name: str) -> Category:
    category = CategoryRepository(session).get_by_name(name)
    if category is None:
        raise NotFound(f"no category {name!r}")
    return category


def list_categories(session: Session, settings: Settings) -> CategoryList:
    rows = CategoryRepository(session).list_all()
    return CategoryList(items=[category_read(session, settings, c) for c in rows])


def alert_thresholds(settings: Settings, category: Category | None) -> EffectiveThresholds:
    """The category's thresholds where it sets them, the service settings elsewhere."""
    if category is None:
        return EffectiveThresholds(
            min_complaints=settings.quality_alert_min_complaints,
            per_1000=settings.quality_alert_per_1000,
            window_days=settings.quality_alert_window_days,
        )
    return EffectiveThresholds(
        min_complaints=_or(category.alert_min_complaints, settings.quality_alert_min_complaints),
        per_1000=_or(category.alert_per_1000, settings.quality_alert_per_1000),
        window_days=_or(category.alert_window_days, settings.quality_alert_window_days),
    )


def _or(own: T | None, default: T) -> T:
    return own if own is not None else default


def category_read(session: Session, settings: Settings, category: Category) -> CategoryRead:
    updater = OrgRepository(session).get_by_id(category.updated_by_org_id)
    assert updater is not None
    return CategoryRead(
        name=category.name,
        required_certificates=category.required_certificates,
        alert=AlertThresholds(
            min_complaints=category.alert_min_complaints,
            per_1000=category.alert_per_1000,
            window_days=category.alert_window_days,
        ),
        effective_alert=alert_thresholds(settings, category),
        updated_by=updater.slug,
        updated_at=category.updated_at,
    )
