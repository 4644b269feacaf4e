"""Reads of areas: the tree in the caller's scope, an area's versions, and which grid a point
lies in at a given instant (the version in force then)."""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import and_, bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from grid.areas.models import Area, AreaVersion
from grid.areas.rules import GridSizeLimits, grid_oversize
from grid.areas.schemas import LEVEL_LABELS, AreaDetail, AreaOut, AreaStatus, AreaVersionOut, ChangeOut
from jiceng_shared.errors import not_found
from jiceng_shared.geo import point_in_polygon
from jiceng_shared.identity import Principal
from jiceng_shared.keyset import ASC, after_key
from jiceng_shared.scope import scope_filter

READ = "grid.area.read"
Shape = TypeVar("Shape", bound=AreaOut)


def readable(principal: Principal) -> Any:
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


def _shape(area: Area, limits: GridSizeLimits, model: type[Shape]) -> Shape:
    active_grid = area.level == "grid" and area.status == AreaStatus.ACTIVE
    reasons = grid_oversize(area.households or 0, area.people or 0, area.dense, limits) if active_grid else []
    data = {c: getattr(area, c) for c in model.model_fields if hasattr(area, c)}
    return model(**data, level_zh=LEVEL_LABELS[area.level], needs_split=bool(reasons), split_reasons=reasons)


def to_out(area: Area, limits: GridSizeLimits) -> AreaOut:
    return _shape(area, limits, AreaOut)


def to_detail(area: Area, limits: GridSizeLimits) -> AreaDetail:
    return _shape(area, limits, AreaDetail)


def changed(areas: list[Area], limits: GridSizeLimits) -> ChangeOut:
    """The answer of an administrative write: the areas it changed, each with its polygon."""
    return ChangeOut(changed=[to_detail(a, limits) for a in areas])


def version_out(row: AreaVersion) -> AreaVersionOut:
    return AreaVersionOut.model_validate(row, from_attributes=True)


async def list_areas(
    session: AsyncSession,
    principal: Principal,
    *,
    level: str | None,
    parent_code: str | None,
    status: str | None = AreaStatus.ACTIVE,
    now: dt.datetime | None = None,
    limit: int,
    cursor: str | None = None,
) -> list[Area]:
    """Areas by their latest version, by code, from after ``cursor``, ``limit + 1`` of them;
    ``status`` as of ``now`` when given: a grid whose split takes effect later is still active
    until then, and its parts are not yet."""
    stmt = select(Area).where(readable(principal))
    if level:
        stmt = stmt.where(Area.level == level)
    if parent_code:
        stmt = stmt.where(Area.parent_code == parent_code)
    if status and now is not None:
        pending = Area.effective_from > now
        retired_later = and_(Area.status == AreaStatus.RETIRED, pending, Area.version > 1)
        new_later = and_(Area.status == AreaStatus.ACTIVE, pending, Area.version == 1)
        if status == AreaStatus.ACTIVE:
            stmt = stmt.where(or_(and_(Area.status == status, ~new_later), retired_later))
        else:
            stmt = stmt.where(Area.status == status, ~retired_later)
    elif status:
        stmt = stmt.where(Area.status == status)
    stmt = after_key(stmt, [(Area.code, ASC)], limit=limit, cursor=cursor)
    return list((await session.scalars(stmt)).all())


async def get_area(session: AsyncSession, principal: Principal, code: str) -> Area:
    area = await session.scalar(select(Area).where(Area.code == code, readable(principal)))
    if area is None:
        raise not_found("area", code)
    return area


async def versions(
    session: AsyncSession, principal: Principal, code: str, *, limit: int, cursor: str | None = None
) -> list[AreaVersion]:
    """An area's versions, oldest first, from after ``cursor``, ``limit + 1`` of them."""
    await get_area(session, principal, code)
    stmt = after_key(
        select(AreaVersion).where(AreaVersion.code == code), [(AreaVersion.version, ASC)], limit=limit, cursor=cursor
    )
    return list((await session.scalars(stmt)).all())


class GridVersion(NamedTuple):
    """What a report needs of the grid version a point lies in."""

    code: str
    township_code: str | None
    polygon: dict[str, Any] | None


#: Core statements on the table's columns, not ORM loads of the version (a report needs three
#: columns of it)
_VERSIONS = AreaVersion.__table__
_GRID_COLUMNS = (_VERSIONS.c.code, _VERSIONS.c.township_code, _VERSIONS.c.polygon)


def _active_grid_in_force(at: Any) -> Any:
    v = _VERSIONS.c
    in_force = (v.effective_from <= at) & or_(v.effective_to.is_(None), v.effective_to > at)
    return (v.level == "grid") & (v.status == AreaStatus.ACTIVE) & in_force


class NamedGrid(NamedTuple):
    """What a report needs of the grid it names: not its polygon, but that of its version in force."""

    code: str
    parent_code: str | None
    #: its version in force at the report's instant (None if it was not an active grid then)
    in_force: GridVersion | None


async def grid_named(session: AsyncSession, code: str, at: dt.datetime) -> NamedGrid | None:
    """The grid (any status) whose code is ``code``, with its version in force at ``at``: one round trip."""
    row = (await session.execute(GRID_NAMED, {"code": code, "at": at})).first()
    return None if row is None else named_grid(row)


def named_grid(row: Any) -> NamedGrid:
    """The grid of a row of :data:`GRID_NAMED` (or of a statement that adds columns to it)."""
    in_force = None if row.version_code is None else GridVersion(row.version_code, row.township_code, row.polygon)
    return NamedGrid(row.code, row.parent_code, in_force)


#: the area and its version in force (an outer join: a retired or future grid has none), built
#: once with code and instant as parameters: every report looks its grid up (a report adds the
#: check of its category to it: one round trip for both)
_AREAS = Area.__table__
GRID_NAMED = (
    select(
        _AREAS.c.code,
        _AREAS.c.parent_code,
        _VERSIONS.c.code.label("version_code"),
        _VERSIONS.c.township_code,
        _VERSIONS.c.polygon,
    )
    .select_from(
        _AREAS.outerjoin(
            _VERSIONS,
            (_VERSIONS.c.code == _AREAS.c.code)
            & _active_grid_in_force(bindparam("at", type_=_VERSIONS.c.effective_from.type)),
        )
    )
    .where(_AREAS.c.code == bindparam("code"), _AREAS.c.level == "grid")
)


async def locate(
    session: AsyncSession, named: NamedGrid, point: tuple[float, float], at: dt.datetime
) -> GridVersion | None:
    """The grid a point reported at ``at`` lies in, for a report naming grid ``named``.

    The named grid when it was in force then and covers the point; when it was split, merged or
    retired by then, the grid of the same village/community in force then that covers the point
    (a worker whose app still shows the old grid reports into the new one).
    """
    current = named.in_force
    if current is not None:
        return current if current.polygon and point_in_polygon(point, current.polygon) else None
    grids = await session.execute(
        select(*_GRID_COLUMNS).where(_VERSIONS.c.parent_code == named.parent_code, _active_grid_in_force(at))
    )
    found = (GridVersion(*g) for g in grids.all())
    return next((g for g in found if g.polygon and point_in_polygon(point, g.polygon)), None)


async def predecessors(session: AsyncSession, code: str, depth: int = 5) -> set[str]:
    """The grids ``code`` replaced, directly or through a few splits/merges."""
    found: set[str] = set()
    frontier = {code}
    for _ in range(depth):
        rows = await session.scalars(select(AreaVersion.predecessors).where(AreaVersion.code.in_(frontier)))
        frontier = {p for preds in rows.all() for p in (preds or [])} - found
        if not frontier:
            break
        found |= frontier
    return found
