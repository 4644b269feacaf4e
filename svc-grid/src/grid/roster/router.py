"""HTTP routes of the roster: posts on grids, A/B pairs, absences."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from grid.areas.rules import Tolerance
from grid.roster import service
from grid.roster.models import RosterEntry
from grid.roster.schemas import (
    AbsenceCreate,
    AbsenceOut,
    BackupOut,
    BackupSet,
    RosterEntryCreate,
    RosterEntryOut,
    RosterLeave,
    RosterPost,
)
from jiceng_shared.identity import Principal
from jiceng_shared.openapi_problems import problems
from jiceng_shared.service import Ctx, ReadSession, Tx, require

router = APIRouter(prefix="/roster", tags=["roster"])
Manager = Annotated[Principal, Depends(require(service.MANAGE))]


def today(ctx: Ctx) -> dt.date:
    return ctx.calendar.local_date(ctx.now())


def to_out(e: RosterEntry) -> RosterEntryOut:
    post = RosterPost(e.post)
    return RosterEntryOut(
        id=e.id,
        grid_code=e.grid_code,
        community_code=e.community_code,
        township_code=e.township_code,
        worker_id=e.worker_id,
        username=e.username,
        name=e.name,
        post=post,
        post_zh=post.label_zh,
        committee_member=e.committee_member,
        since=e.since,
        until=e.until,
        version=e.version,
    )


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
    entry = await service.add_entry(session, principal, body, now=ctx.now(), today=today(ctx), settings=ctx.settings)
    response.headers["Location"] = f"{ctx.spec.api_prefix}/roster?grid_code={entry.grid_code}"
    return to_out(entry)


@router.get("", response_model=list[RosterEntryOut], summary="The roster of the grids in your scope")
async def list_entries(
    ctx: Ctx,
    session: ReadSession,
    principal: Annotated[Principal, Depends(require(service.READ))],
    grid_code: Annotated[str | None, Query(pattern=r"^\d{15}$")] = None,
    active_on: dt.date | None = None,
) -> list[RosterEntryOut]:
    entries = await service.list_entries(session, principal, grid_code=grid_code, active_on=active_on)
    return [to_out(e) for e in entries]


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
    response_model=list[BackupOut],
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
async def set_backup(body: BackupSet, ctx: Ctx, session: Tx, principal: Manager) -> list[BackupOut]:
    tolerance = Tolerance(ctx.settings.area_tolerance_metres)
    await service.set_backup(session, principal, body, now=ctx.now(), tolerance=tolerance)
    return [
        BackupOut(grid_code=body.grid_code, backup_grid_code=body.backup_grid_code),
        BackupOut(grid_code=body.backup_grid_code, backup_grid_code=body.grid_code),
    ]


@router.post(
    "/absences",
    status_code=201,
    response_model=AbsenceOut,
    summary="Record a grid's full-time worker absent",
    openapi_extra=problems({409: ["no_full_time_worker"], 422: ["unknown_grid", "period_reversed"]}),
)
async def record_absence(body: AbsenceCreate, ctx: Ctx, session: Tx, principal: Manager) -> AbsenceOut:
    absence, covered_by = await service.record_absence(session, principal, body, now=ctx.now())
    return AbsenceOut(
        id=absence.id,
        grid_code=absence.grid_code,
        worker_id=absence.worker_id,
        first_day=absence.first_day,
        last_day=absence.last_day,
        reason=absence.reason,
        covered_by_grid=covered_by,
    )
