"""HTTP routes of the situational picture (GeoJSON) and early warnings."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from dispatch.map import service
from dispatch.map.schemas import WarningOut
from dispatch.tickets.queries import READ
from jiceng_shared.errors import Problem
from jiceng_shared.identity import Principal
from jiceng_shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page
from jiceng_shared.service import Ctx, ReadSession, SnapshotSession, require
from jiceng_shared.workdays import COUNTY_ZONE

router = APIRouter(prefix="/map", tags=["situational picture"])
GEOJSON = {"200": {"content": {"application/geo+json": {}}}}


@router.get(
    "/tickets",
    summary="Open tickets in your scope as GeoJSON points (status, category, unit, overdue)",
    response_class=Response,
    responses=GEOJSON,
)
async def tickets(
    ctx: Ctx,
    session: SnapshotSession,
    principal: Annotated[Principal, Depends(require(READ))],
    township_code: Annotated[str | None, Query(pattern=r"^\d{12}$")] = None,
    category: str | None = None,
) -> Response:
    document = await service.ticket_features(
        session, principal, ctx.now(), township_code=township_code, category=category
    )
    # encoded already (orjson): a township's 10,000 points skip the response-model walk
    return Response(document, media_type="application/geo+json")


@router.get("/grids", summary="Grids in your scope as GeoJSON polygons with open and overdue ticket counts")
async def grids(
    ctx: Ctx, session: ReadSession, principal: Annotated[Principal, Depends(require(READ))]
) -> dict[str, Any]:
    return await service.grid_features(session, principal, ctx.now())


@router.get("/stats", summary="Tickets received in a period: counts by category, unit and overdue state")
async def stats(
    ctx: Ctx,
    session: ReadSession,
    principal: Annotated[Principal, Depends(require(READ))],
    start: Annotated[dt.date | None, Query(alias="from", description="default: 30 days before to")] = None,
    end: Annotated[dt.date | None, Query(alias="to", description="exclusive; default: tomorrow")] = None,
) -> dict[str, Any]:
    end = end or (ctx.now().astimezone(COUNTY_ZONE).date() + dt.timedelta(days=1))
    start = start or end - dt.timedelta(days=30)
    if end <= start or (end - start).days > 366:
        raise Problem(422, "invalid_period", "Invalid request", "to: after from, at most a year later")
    zone = COUNTY_ZONE
    return await service.stats(
        session,
        principal,
        ctx.now(),
        dt.datetime.combine(start, dt.time(0), tzinfo=zone),
        dt.datetime.combine(end, dt.time(0), tzinfo=zone),
    )


@router.get(
    "/warnings", response_model=Page[WarningOut], summary="Early warnings (研判预警) in your scope, newest first"
)
async def warnings(
    session: ReadSession,
    principal: Annotated[Principal, Depends(require(READ))],
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[WarningOut]:
    return await service.list_warnings(session, principal, limit=limit, cursor=cursor)
