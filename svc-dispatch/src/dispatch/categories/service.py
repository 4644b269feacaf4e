"""Use cases of categories: read them, change their limits (county administrators)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.categories.models import Category
from dispatch.categories.schemas import CategoryCreate, CategoryOut, CategoryUpdate, LimitOut, LimitsOut
from dispatch.responsibilities import service as responsibilities
from dispatch.tickets.rules import LIMIT_UNIT_LABELS, HandleLimit
from jiceng_shared import county
from jiceng_shared.contracts import dispatch as contracts
from jiceng_shared.errors import FieldErrors, Problem, not_found
from jiceng_shared.identity import Principal
from jiceng_shared.outbox import emit

READ = "dispatch.category.read"
MANAGE = "dispatch.category.manage"


async def list_categories(session: AsyncSession, *, retired: bool = False) -> list[Category]:
    stmt = select(Category).order_by(Category.code)
    if not retired:
        stmt = stmt.where(Category.retired_at.is_(None))
    return list((await session.scalars(stmt)).all())


async def labels(session: AsyncSession, codes: Iterable[str] | None = None) -> dict[str, str]:
    """code → Chinese label of every category (of ``codes`` when given), retired ones included (old
    lists and tickets name them): the live dictionary, never the county file."""
    stmt = select(Category.code, Category.label_zh)
    if codes is not None:
        stmt = stmt.where(Category.code.in_(set(codes)))
    return {row.code: row.label_zh for row in (await session.execute(stmt)).all()}


def _by(principal: Principal) -> str:
    return principal.username or principal.name or principal.subject


def _stale(category: Category, version: int) -> None:
    if version != category.version:
        raise Problem(
            409, "concurrent_update", "Changed by someone else", "the category changed meanwhile; reload and retry"
        )


async def publish_change(session: AsyncSession, category: Category, change: str) -> None:
    """Tell the services keeping a copy of the dictionary (svc-grid) what the category now is."""
    await emit(
        session,
        contracts.CategoryChanged(
            code=category.code,
            label_zh=category.label_zh,
            major=category.major,
            urgent=category.urgent,
            dispatch_limit_minutes=category.dispatch_limit_minutes,
            handle_limit_value=category.handle_limit_value,
            handle_limit_unit=category.handle_limit_unit,
            extension_max_value=category.extension_max_value,
            functional_department=category.functional_department,
            retired=category.retired_at is not None,
            change=change,
            category_version=category.version,
            changed_at=category.updated_at,
        ),
        subject=category.code,
        township=county.current().code,
    )


async def create_category(
    session: AsyncSession,
    principal: Principal,
    body: CategoryCreate,
    *,
    now: dt.datetime,
    urgent_dispatch_minutes: int,
    normal_dispatch_minutes: int,
) -> Category:
    errors = FieldErrors()
    if await session.get(Category, body.code) is not None:
        # codes are never reused: a retired code stays with what was filed under it
        errors.add("code", "category_exists", f"category {body.code} exists (codes are never reused)")
    if body.extension_max_value is not None and body.extension_max_value <= body.handle_limit.value:
        errors.add("extension_max_value", "invalid_extension", "the extension limit must exceed the handling limit")
    errors.raise_if_any(409 if errors.errors and all(e["code"] == "category_exists" for e in errors.errors) else 422)
    category = Category(
        code=body.code,
        label_zh=body.label_zh,
        major=body.major,
        urgent=body.urgent,
        dispatch_limit_minutes=body.dispatch_limit_minutes
        or (urgent_dispatch_minutes if body.urgent else normal_dispatch_minutes),
        handle_limit_value=body.handle_limit.value,
        handle_limit_unit=body.handle_limit.unit,
        extension_max_value=body.extension_max_value,
        functional_department=body.functional_department,
        updated_at=now,
        updated_by=_by(principal),
    )
    session.add(category)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Problem(409, "category_exists", "Category exists", f"category {body.code} was created meanwhile") from exc
    await publish_change(session, category, "created")
    return category


async def retire_category(
    session: AsyncSession, principal: Principal, code: str, version: int, *, now: dt.datetime
) -> Category:
    """Retire a category: no new tickets or incidents under it; a list routing it must go first."""
    category = await session.get(Category, code, with_for_update=True)
    if category is None:
        raise not_found("category", code)
    _stale(category, version)
    if category.retired_at is not None:
        raise Problem(409, "category_retired", "Already retired", f"category {code} is retired already")
    for listed in await responsibilities.current_and_future(session, now):
        if listed.entry(code) is not None:
            raise Problem(
                409,
                "category_in_list",
                "Category still listed",
                f"responsibility list v{listed.list.version} routes {code}; publish a list without it first",
            )
    category.retired_at = now
    category.updated_at = now
    category.updated_by = _by(principal)
    await session.flush()
    await publish_change(session, category, "retired")
    return category


async def get_category(session: AsyncSession, code: str) -> Category:
    category = await session.get(Category, code)
    if category is None:
        raise not_found("category", code)
    return category


def handle_limit(category: Category) -> HandleLimit:
    return HandleLimit(category.handle_limit_value, category.handle_limit_unit)


async def update_category(
    session: AsyncSession, principal: Principal, code: str, body: CategoryUpdate, *, now: dt.datetime
) -> Category:
    category = await session.get(Category, code, with_for_update=True)
    if category is None:
        raise not_found("category", code)
    _stale(category, body.version)
    if category.retired_at is not None:
        raise Problem(409, "category_retired", "Retired", f"category {code} is retired")
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
    if "label_zh" in fields and body.label_zh is not None:
        category.label_zh = body.label_zh
    if "major" in fields and body.major is not None:
        category.major = body.major
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
    category.updated_by = _by(principal)
    await session.flush()
    await publish_change(session, category, "updated")
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
            handle=LimitOut(value=category.handle_limit_value, unit=unit, unit_zh=LIMIT_UNIT_LABELS[unit]),
            extension_max=(
                LimitOut(value=category.extension_max_value, unit=unit, unit_zh=LIMIT_UNIT_LABELS[unit])
                if category.extension_max_value
                else None
            ),
        ),
        version=category.version,
        updated_at=category.updated_at,
        updated_by=category.updated_by,
        retired=category.retired_at is not None,
        retired_at=category.retired_at,
    )


async def functional_codes(session: AsyncSession) -> set[str]:
    """Categories marked as functional-department matters (国办函〔2025〕66号)."""
    return set((await session.scalars(select(Category.code).where(Category.functional_department))).all())
