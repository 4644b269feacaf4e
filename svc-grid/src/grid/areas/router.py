"""HTTP routes of areas: the county's area tree and grid polygons."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from grid.areas import service
from grid.areas.rules import GridSizeLimits
from grid.areas.schemas import AreaDetail, AreaOut
from jiceng_shared.identity import Principal
from jiceng_shared.service import Ctx, require

router = APIRouter(prefix="/areas", tags=["areas"])
Reader = Annotated[Principal, Depends(require(service.READ))]


def limits(ctx: Ctx) -> GridSizeLimits:
    s = ctx.settings
    return GridSizeLimits(
        s.grid_max_households, s.grid_max_people, s.dense_grid_max_households, s.dense_grid_max_people
    )


@router.get("", response_model=list[AreaOut], summary="Areas in your scope (and the areas above it)")
async def list_areas(
    ctx: Ctx,
    principal: Reader,
    level: Literal["county", "township", "village", "community", "grid"] | None = None,
    parent_code: Annotated[str | None, Query(pattern=r"^\d{12}$")] = None,
) -> list[AreaOut]:
    async with ctx.db.session() as session:
        areas = await service.list_areas(session, principal, level=level, parent_code=parent_code)
    return [service.to_out(a, limits(ctx)) for a in areas]


@router.get("/{code}", response_model=AreaDetail, summary="One area with its polygon and size check")
async def get_area(code: str, ctx: Ctx, principal: Reader) -> AreaOut:
    async with ctx.db.session() as session:
        area = await service.get_area(session, principal, code)
    return service.to_out(area, limits(ctx), AreaDetail)
