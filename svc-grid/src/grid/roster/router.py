"""HTTP routes of the roster: posts on grids, A/B pairs, absences."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from grid.areas.rules import Tolerance
from grid.roster import service
from grid.roster.queries import absence_out, to_out
from grid.roster.schemas import (
    AbsenceCreate,
    AbsenceOut,
    BackupOut,
    BackupPairOut,
    BackupSet,
    RosterEntryCreate,
    RosterEntryOut,
    RosterLeave,
)
from jiceng_shared.identity import Principal
from jiceng_shared.keyset import page_by_key
from jiceng_shared.openapi_problems import problems
from jiceng_shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page
from jiceng_shared.service import Ctx, ReadSession, Tx, require

router = APIRouter(prefix="/roster", tags=["roster"])
Manager = Annotated[Principal, Depends(require(service.MANAGE))]


def today(ctx: Ctx) -> dt.date:
    return ctx.calendar.local_date(ctx.now())


@router.post(
    "",
    status_code=201,
    response_model=RosterEntryOut,
    summary="Put a person on a post of a grid",
    openapi_extra=problems({409: ["full_time_post_taken"], 422: ["unknown_grid", "committee_member_not_allowed"]}),
)
async def add_entry(
    body: RosterEntryCreate, response: Response, ctx: Ctx, session: Tx, principal: Manager
) -> RosterEntryOut:
    entry = await service.add_entry(
        session, principal, body, now=ctx.now(), today=today(ctx), roster_rules=ctx.settings.roster_rules()
    )
    response.headers["Location"] = f"{ctx.spec.api_prefix}/roster?grid_code={entry.grid_code}"
    return to_out(entry)


@router.get("", response_model=Page[RosterEntryOut], summary="The roster of the grids in your scope, by grid")
async def list_entries(
    session: ReadSession,
    principal: Annotated[Principal, Depends(require(service.READ))],
    grid_code: Annotated[str | None, Query(pattern=r"^\d{15}$")] = None,
    active_on: dt.date | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[RosterEntryOut]:
    rows = await service.list_entries(
        session, principal, grid_code=grid_code, active_on=active_on, limit=limit, cursor=cursor
    )
    entries, next_cursor = page_by_key(rows, limit, service.entry_key)
    return Page[RosterEntryOut](items=[to_out(e) for e in entries], next_cursor=next_cursor)


@router.post(
    "/{entry_id}/leave",
    response_model=RosterEntryOut,
    summary="The person leaves the post",
    openapi_extra=problems({409: ["already_left"], 422: ["period_reversed"]}),
)
async def leave(entry_id: str, body: RosterLeave, session: Tx, principal: Manager) -> RosterEntryOut:
    return to_out(await service.leave(session, principal, entry_id, body.until))


@router.put(
    "/backups",
    response_model=BackupPairOut,
    summary="Pair two adjacent grids of a community as A/B posts (002 art. 22)",
    openapi_extra=problems(
        {
            422: [
                "unknown_grid",
                "backup_is_same_grid",
                "backup_not_same_community",
                "backup_not_adjacent",
                "grid_not_drawn",
            ]
        }
    ),
)
async def set_backup(body: BackupSet, ctx: Ctx, session: Tx, principal: Manager) -> BackupPairOut:
    tolerance = Tolerance(ctx.settings.area_tolerance_metres)
    await service.set_backup(session, principal, body, now=ctx.now(), tolerance=tolerance)
    return BackupPairOut(
        items=[
            BackupOut(grid_code=body.grid_code, backup_grid_code=body.backup_grid_code),
            BackupOut(grid_code=body.backup_grid_code, backup_grid_code=body.grid_code),
        ]
    )


@router.post(
    "/absences",
    status_code=201,
    response_model=AbsenceOut,
    summary="Record a grid's full-time worker absent",
    openapi_extra=problems({409: ["no_full_time_worker"], 422: ["unknown_grid", "period_reversed"]}),
)
async def record_absence(body: AbsenceCreate, ctx: Ctx, session: Tx, principal: Manager) -> AbsenceOut:
    absence, covered_by = await service.record_absence(session, principal, body, now=ctx.now())
    return absence_out(absence, covered_by)
