"""Use cases of categories: read them, change their limits (county administrators)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.categories.models import Category
from dispatch.categories.schemas import CategoryOut, CategoryUpdate, LimitOut, LimitsOut
from dispatch.responsibilities import service as responsibilities
from dispatch.tickets.rules import LIMIT_UNIT_LABELS, HandleLimit
from jiceng_shared.errors import Problem, not_found
from jiceng_shared.identity import Principal

READ = "dispatch.category.read"
MANAGE = "dispatch.category.manage"


async def list_categories(session: AsyncSession) -> list[Category]:
    return list((await session.scalars(select(Category).order_by(Category.code))).all())


async def get_category(session: AsyncSession, code: str) -> Category:
    category = await session.get(Category, code)
    if category is None:
        raise not_found("category", code)
    return category


def handle_limit(category: Category) -> HandleLimit:
    return HandleLimit(category.handle_limit_value, category.handle_limit_unit)  # type: ignore[arg-type]


async def update_category(
    session: AsyncSession, principal: Principal, code: str, body: CategoryUpdate, *, now: dt.datetime
) -> Category:
    category = await session.get(Category, code, with_for_update=True)
    if category is None:
        raise not_found("category", code)
    if body.version != category.version:
        raise Problem(
            409, "concurrent_update", "Changed by someone else", "the category changed meanwhile; reload and retry"
        )
    if body.functional_department and not category.functional_department:
        # 国办函〔2025〕66号: turning a category into a department matter must not contradict the list in force
        for version in await responsibilities.current_and_future(session, now):
            entry = next((e for e in version.entries if e.category == code), None)
            if entry is not None and entry.primary_kind == "township_office":
                raise Problem(
                    422,
                    "functional_department_matter",
                    "Invalid request",
                    f"responsibility list v{version.list.version} routes {code} to a township organ; publish a list "
                    "that routes it to the department first",
                )
    fields = body.model_fields_set - {"version"}
    if "urgent" in fields and body.urgent is not None:
        category.urgent = body.urgent
    if "dispatch_limit_minutes" in fields and body.dispatch_limit_minutes is not None:
        category.dispatch_limit_minutes = body.dispatch_limit_minutes
    if "handle_limit" in fields and body.handle_limit is not None:
        category.handle_limit_value = body.handle_limit.value
        category.handle_limit_unit = body.handle_limit.unit
    if "extension_max_value" in fields:
        category.extension_max_value = body.extension_max_value
    if "functional_department" in fields and body.functional_department is not None:
        category.functional_department = body.functional_department
    category.updated_at = now
    category.updated_by = principal.username or principal.name or principal.subject
    await session.flush()
    return category


def to_out(category: Category) -> CategoryOut:
    unit = category.handle_limit_unit
    return CategoryOut(
        code=category.code,
        label_zh=category.label_zh,
        major=category.major,
        functional_department=category.functional_department,
        limits=LimitsOut(
            urgent=category.urgent,
            dispatch_minutes=category.dispatch_limit_minutes,
            handle=LimitOut(value=category.handle_limit_value, unit=unit, unit_zh=LIMIT_UNIT_LABELS[unit]),  # type: ignore[arg-type]
            extension_max=(
                LimitOut(value=category.extension_max_value, unit=unit, unit_zh=LIMIT_UNIT_LABELS[unit])  # type: ignore[arg-type]
                if category.extension_max_value
                else None
            ),
        ),
        version=category.version,
        updated_at=category.updated_at,
        updated_by=category.updated_by,
    )


async def functional_codes(session: AsyncSession) -> set[str]:
    """Categories marked as functional-department matters (国办函〔2025〕66号)."""
    return set((await session.scalars(select(Category.code).where(Category.functional_department))).all())
