"""Use cases on areas."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from grid.areas.models import Area
from grid.areas.rules import GridSizeLimits, grid_oversize
from grid.areas.schemas import LEVEL_LABELS, AreaOut
from jiceng_shared.errors import not_found
from jiceng_shared.identity import Principal
from jiceng_shared.scope import scope_filter

READ = "grid.area.read"


def _visible(principal: Principal) -> Any:
    """An area is visible when it lies inside a scope of the caller, or contains one (its ancestors)."""
    # equalities, not IN: an IN list is re-rendered on every execution, these are cached
    ancestors = [Area.code == code for code in sorted(_ancestor_codes(principal))]
    return or_(scope_filter(principal, READ, Area.code), *ancestors)


def _ancestor_codes(principal: Principal) -> set[str]:
    codes: set[str] = set()
    for b in principal.bindings_for(READ):
        area = b.area
        codes.add(area[:6] + "000000")
        if len(b.prefix) >= 9:
            codes.add(area[:9] + "000")
        if len(b.prefix) >= 12:
            codes.add(area[:12])
    return codes


def to_out(area: Area, limits: GridSizeLimits, model: type[AreaOut] = AreaOut) -> AreaOut:
    reasons = grid_oversize(area.households or 0, area.people or 0, area.dense, limits) if area.level == "grid" else []
    data = {c: getattr(area, c) for c in model.model_fields if hasattr(area, c)}
    return model(**data, level_zh=LEVEL_LABELS[area.level], needs_split=bool(reasons), split_reasons=reasons)


async def list_areas(
    session: AsyncSession, principal: Principal, *, level: str | None, parent_code: str | None
) -> list[Area]:
    stmt = select(Area).where(_visible(principal))
    if level:
        stmt = stmt.where(Area.level == level)
    if parent_code:
        stmt = stmt.where(Area.parent_code == parent_code)
    return list((await session.scalars(stmt.order_by(Area.code))).all())


async def get_area(session: AsyncSession, principal: Principal, code: str) -> Area:
    area = await session.scalar(select(Area).where(Area.code == code, _visible(principal)))
    if area is None:
        raise not_found("area", code)
    return area
