"""HTTP routes of areas: the county's area tree and grid polygons, and their administration."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from grid.areas import queries, service
from grid.areas.models import Area
from grid.areas.rules import GridSizeLimits, Tolerance
from grid.areas.schemas import (
    AreaCreate,
    AreaDetail,
    AreaOut,
    AreaRetire,
    AreaStatus,
    AreaVersionOut,
    ChangeOut,
    CountsUpdate,
    GridMerge,
    GridSplit,
    LayerImport,
    PolygonUpdate,
)
from jiceng_shared.identity import Principal
from jiceng_shared.keyset import page_by_key
from jiceng_shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page
from jiceng_shared.service import Ctx, ReadSession, Tx, require

router = APIRouter(prefix="/areas", tags=["areas"])
Reader = Annotated[Principal, Depends(require(queries.READ))]
Manager = Annotated[Principal, Depends(require(service.MANAGE))]


def limits(ctx: Ctx) -> GridSizeLimits:
    size_limits: GridSizeLimits = ctx.settings.size_limits()  # ctx.settings is the service's GridSettings
    return size_limits


def env(ctx: Ctx) -> service.Env:
    return service.Env(
        now=ctx.now(),
        tolerance=Tolerance(ctx.settings.area_tolerance_metres),
        limits=limits(ctx),
        cal=ctx.calendar,
        full_time_per_grid=ctx.settings.full_time_workers_per_grid,
    )


def _changed(ctx: Ctx, areas: list[Area]) -> ChangeOut:
    return queries.changed(areas, limits(ctx))


@router.get("", response_model=Page[AreaOut], summary="Areas in your scope (and the areas above it), by code")
async def list_areas(
    ctx: Ctx,
    principal: Reader,
    session: ReadSession,
    level: Literal["county", "township", "village", "community", "grid"] | None = None,
    parent_code: Annotated[str | None, Query(pattern=r"^\d{12}$")] = None,
    status: Annotated[AreaStatus | None, Query(description="default: the areas in use now")] = AreaStatus.ACTIVE,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[AreaOut]:
    rows = await queries.list_areas(
        session,
        principal,
        level=level,
        parent_code=parent_code,
        status=status,
        now=ctx.now(),
        limit=limit,
        cursor=cursor,
    )
    areas, next_cursor = page_by_key(rows, limit, lambda a: (a.code,))
    return Page[AreaOut](items=[queries.to_out(a, limits(ctx)) for a in areas], next_cursor=next_cursor)


@router.get("/{code}", response_model=AreaDetail, summary="One area with its polygon and size check")
async def get_area(code: str, ctx: Ctx, principal: Reader, session: ReadSession) -> AreaDetail:
    return queries.to_detail(await queries.get_area(session, principal, code), limits(ctx))


@router.get("/{code}/versions", response_model=Page[AreaVersionOut], summary="Every version of an area, oldest first")
async def area_versions(
    code: str,
    principal: Reader,
    session: ReadSession,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[AreaVersionOut]:
    rows = await queries.versions(session, principal, code, limit=limit, cursor=cursor)
    versions, next_cursor = page_by_key(rows, limit, lambda v: (v.version,))
    return Page[AreaVersionOut](items=[queries.version_out(v) for v in versions], next_cursor=next_cursor)


@router.post("", status_code=201, response_model=ChangeOut, summary="Create a village/community or a grid")
async def create_area(body: AreaCreate, ctx: Ctx, principal: Manager, session: Tx) -> ChangeOut:
    return _changed(ctx, await service.create_area(session, principal, body, env(ctx)))


@router.post("/import", response_model=ChangeOut, summary="Import a layer (GeoJSON FeatureCollection), all or nothing")
async def import_layer(body: LayerImport, ctx: Ctx, principal: Manager, session: Tx) -> ChangeOut:
    return _changed(ctx, await service.import_layer(session, principal, body, env(ctx)))


@router.post("/merge", status_code=201, response_model=ChangeOut, summary="Merge grids of one village/community")
async def merge_grids(body: GridMerge, ctx: Ctx, principal: Manager, session: Tx) -> ChangeOut:
    return _changed(ctx, await service.merge(session, principal, body, env(ctx)))


@router.put("/{code}/polygon", response_model=ChangeOut, summary="Redraw an area's boundary")
async def redraw(code: str, body: PolygonUpdate, ctx: Ctx, principal: Manager, session: Tx) -> ChangeOut:
    return _changed(ctx, await service.redraw(session, principal, code, body, env(ctx)))


@router.put("/{code}/counts", response_model=ChangeOut, summary="Enter a grid's households and people")
async def recount(code: str, body: CountsUpdate, ctx: Ctx, principal: Manager, session: Tx) -> ChangeOut:
    return _changed(ctx, await service.recount(session, principal, code, body, env(ctx)))


@router.post("/{code}/split", status_code=201, response_model=ChangeOut, summary="Split a grid into parts")
async def split_grid(code: str, body: GridSplit, ctx: Ctx, principal: Manager, session: Tx) -> ChangeOut:
    return _changed(ctx, await service.split(session, principal, code, body, env(ctx)))


@router.post("/{code}/retire", response_model=ChangeOut, summary="Retire a village/community or grid")
async def retire(code: str, body: AreaRetire, ctx: Ctx, principal: Manager, session: Tx) -> ChangeOut:
    return _changed(ctx, await service.retire(session, principal, code, body, env(ctx)))
