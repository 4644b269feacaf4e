"""HTTP routes of incidents."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from grid.incidents import queries, service
from grid.incidents.schemas import IncidentCreate, IncidentDetail, IncidentOut
from grid.roster import service as roster
from jiceng_shared.identity import Principal
from jiceng_shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, page_of
from jiceng_shared.service import Ctx, ReadSession, Tx, require

router = APIRouter(prefix="/incidents", tags=["incidents"])


@router.post("", status_code=201, response_model=IncidentOut, summary="Report an incident found in your grid")
async def report_incident(
    body: IncidentCreate,
    response: Response,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(service.REPORT))],
) -> IncidentOut:
    now = ctx.now()
    # the B post reports for the grid of an absent A (002 art. 22); the service checks everyone else
    covering = not principal.covers(service.REPORT, body.grid_code) and body.grid_code in (
        await roster.covered_grids(session, principal, ctx.calendar.local_date(now))
    )
    incident = await service.report(
        session,
        principal,
        body,
        attachment_max_bytes=ctx.settings.attachment_max_bytes,
        now=now,
        authorised=covering,
    )
    response.headers["Location"] = f"{ctx.spec.api_prefix}/incidents/{incident.id}"
    return queries.to_out(incident)


@router.get("", response_model=Page[IncidentOut], summary="Incidents in your scope, newest first")
async def list_incidents(
    ctx: Ctx,
    session: ReadSession,
    principal: Annotated[Principal, Depends(require(service.READ))],
    status: str | None = None,
    grid_code: Annotated[str | None, Query(pattern=r"^\d{15}$")] = None,
    category: str | None = None,
    correlation_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[IncidentOut]:
    covered = await roster.covered_grids(session, principal, ctx.calendar.local_date(ctx.now()))
    rows = await service.list_incidents(
        session,
        principal,
        covered=covered,
        status=status,
        grid_code=grid_code,
        category=category,
        correlation_id=correlation_id,
        limit=limit,
        cursor=cursor,
    )
    items, next_cursor = page_of(rows, limit)
    return Page[IncidentOut](items=[queries.to_out(i) for i in items], next_cursor=next_cursor)


@router.get("/{incident_id}", response_model=IncidentDetail, summary="One incident with its timeline")
async def get_incident(
    incident_id: str, session: ReadSession, principal: Annotated[Principal, Depends(require(service.READ))]
) -> IncidentDetail:
    return queries.to_detail(*await service.get_incident(session, principal, incident_id))
