"""HTTP routes of visits: record one, list them, the due list of a grid, a found problem → incident."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from grid.incidents import queries as incidents
from grid.incidents.schemas import IncidentOut
from grid.roster import service as roster
from grid.visits import queries, service
from grid.visits.schemas import DueList, ScanOut, VisitCreate, VisitIncident, VisitOut
from jiceng_shared.identity import Principal
from jiceng_shared.keyset import page_by_key, page_in_memory
from jiceng_shared.openapi_problems import problems
from jiceng_shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page
from jiceng_shared.service import Ctx, ReadSession, Tx, require

router = APIRouter(prefix="/visits", tags=["visits"])
Reader = Annotated[Principal, Depends(require(service.READ))]


@router.post(
    "",
    status_code=201,
    response_model=VisitOut,
    summary="Record a visit or a patrol of a grid",
    openapi_extra=problems(
        {
            422: [
                "unknown_grid",
                "visited_in_future",
                "unknown_resident",
                "unknown_household",
                "household_mismatch",
                "visit_target_missing",
                "attachment_too_large",
            ]
        }
    ),
)
async def record_visit(
    body: VisitCreate,
    response: Response,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(service.RECORD))],
) -> VisitOut:
    visit = await service.record(
        session,
        principal,
        body,
        now=ctx.now(),
        cal=ctx.calendar,
        attachment_max_bytes=ctx.settings.attachment_max_bytes,
    )
    response.headers["Location"] = f"{ctx.spec.api_prefix}/visits/{visit.id}"
    return queries.to_out(visit)


@router.get("", response_model=Page[VisitOut], summary="Visits in your scope, newest first")
async def list_visits(
    ctx: Ctx,
    session: ReadSession,
    principal: Reader,
    grid_code: Annotated[str | None, Query(pattern=r"^\d{15}$")] = None,
    worker_id: str | None = None,
    day: dt.date | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[VisitOut]:
    covered = await roster.covered_grids(session, principal, ctx.calendar.local_date(ctx.now()))
    clause = queries.readable(principal, covered)
    rows = await queries.list_visits(
        session, clause, grid_code=grid_code, worker_id=worker_id, day=day, limit=limit, cursor=cursor
    )
    visits, next_cursor = page_by_key(rows, limit, queries.visit_key)
    return Page[VisitOut](items=[queries.to_out(v) for v in visits], next_cursor=next_cursor)


@router.get(
    "/due",
    response_model=Page[DueList],
    summary="Who is due and who is overdue for a visit (002 art. 19): a grid's list, or the counts of every grid in your scope",
)
async def due_lists(
    ctx: Ctx,
    session: ReadSession,
    principal: Reader,
    grid_code: Annotated[str | None, Query(pattern=r"^\d{15}$")] = None,
    township_code: Annotated[str | None, Query(pattern=r"^\d{12}$")] = None,
    include_done: bool = False,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[DueList]:
    today = ctx.calendar.local_date(ctx.now())
    visit_rules = service.rules_of(ctx.settings)
    if grid_code is not None:
        acting = await roster.acting_on(session, principal, service.READ, grid_code, today)
        dues = await queries.obligations(
            session, today=today, visit_rules=visit_rules, cal=ctx.calendar, grid_code=grid_code
        )
        return Page[DueList](items=[queries.due_list(grid_code, today, dues, include_done, covering=acting.covering)])
    covered = await roster.covered_grids(session, principal, today)
    grids = await queries.visible_grids(session, principal, service.READ, covered, township_code=township_code)
    # by township, then code: each township's counts are computed once, for the grids of the page
    page, next_cursor = page_in_memory(sorted(grids, key=queries.grid_key), limit, cursor, queries.grid_key)
    summaries = await queries.due_summaries(
        session, page, covered, today=today, visit_rules=visit_rules, cal=ctx.calendar
    )
    return Page[DueList](items=summaries, next_cursor=next_cursor)


@router.post(
    "/overdue-scan",
    response_model=ScanOut,
    summary="Run the overdue scan now (operations; it also runs every visit_overdue_scan_seconds)",
)
async def overdue_scan(ctx: Ctx, _principal: Annotated[Principal, Depends(require(service.SCAN))]) -> ScanOut:
    return ScanOut(published=await service.scan(ctx))


@router.get("/{visit_id}", response_model=VisitOut, summary="One visit")
async def get_visit(visit_id: str, ctx: Ctx, session: ReadSession, principal: Reader) -> VisitOut:
    return queries.to_out(await service.visible_visit(session, principal, visit_id, ctx.calendar.local_date(ctx.now())))


@router.post(
    "/{visit_id}/incident",
    status_code=201,
    response_model=IncidentOut,
    summary="Turn the problem a visit found into an incident (one step)",
    openapi_extra=problems({409: ["incident_already_reported"], 422: ["unknown_category", "point_outside_grid"]}),
)
async def visit_incident(
    visit_id: str,
    body: VisitIncident,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(service.RECORD))],
) -> IncidentOut:
    incident = await service.to_incident(
        session,
        principal,
        visit_id,
        body,
        now=ctx.now(),
        cal=ctx.calendar,
        attachment_max_bytes=ctx.settings.attachment_max_bytes,
    )
    return incidents.to_out(incident)
