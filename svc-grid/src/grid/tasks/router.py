"""HTTP routes of the admission list (网格准入清单) and of tasks pushed down to grid workers."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from grid.tasks import queries, service
from grid.tasks.schemas import (
    AdmissionListCreate,
    AdmissionListOut,
    AssignmentOut,
    AssignmentStatus,
    TaskCreate,
    TaskOut,
    TaskReport,
)
from jiceng_shared.identity import Principal
from jiceng_shared.keyset import page_by_key, page_in_memory
from jiceng_shared.openapi_problems import problems
from jiceng_shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page
from jiceng_shared.service import Ctx, ReadSession, Tx, require

router = APIRouter(tags=["tasks"])


@router.post(
    "/admission-lists",
    status_code=201,
    response_model=AdmissionListOut,
    summary="Publish a new version of the list",
    openapi_extra=problems({422: ["duplicate_task_type"]}),
)
async def publish_list(
    body: AdmissionListCreate,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(service.MANAGE_LIST))],
) -> AdmissionListOut:
    return queries.list_out(await service.publish_list(session, principal, body, now=ctx.now()))


@router.get(
    "/admission-lists",
    response_model=Page[AdmissionListOut],
    summary="The grid admission list: the version in force of each county (``all=true``: every version)",
)
async def admission_lists(
    ctx: Ctx,
    session: ReadSession,
    _principal: Annotated[Principal, Depends(require(service.READ_LIST))],
    all: bool = False,
    on: dt.date | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[AdmissionListOut]:
    day = None if all else on or ctx.calendar.local_date(ctx.now())
    shown = await service.lists_in_force(session, day)
    page, next_cursor = page_in_memory(shown, limit, cursor, queries.list_key)
    return Page[AdmissionListOut](items=[queries.list_out(v) for v in page], next_cursor=next_cursor)


@router.post(
    "/tasks",
    status_code=201,
    response_model=TaskOut,
    summary="Assign a task to grid workers",
    openapi_extra=problems(
        {422: ["not_on_admission_list", "due_in_past", "unknown_grid", "grids_of_several_townships"]}
    ),
)
async def assign(
    body: TaskCreate, ctx: Ctx, session: Tx, principal: Annotated[Principal, Depends(require(service.ASSIGN))]
) -> TaskOut:
    now = ctx.now()
    today = ctx.calendar.local_date(now)
    task, assignments = await service.assign(session, principal, body, now=now, today=today)
    return queries.task_out(task, assignments, today)


@router.get("/tasks", response_model=Page[AssignmentOut], summary="Tasks on the grids in your scope, by due date")
async def list_tasks(
    ctx: Ctx,
    session: ReadSession,
    principal: Annotated[Principal, Depends(require(service.READ))],
    grid_code: Annotated[str | None, Query(pattern=r"^\d{15}$")] = None,
    status: AssignmentStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[AssignmentOut]:
    today = ctx.calendar.local_date(ctx.now())
    rows = await service.list_assignments(
        session, principal, grid_code=grid_code, status=status, limit=limit, cursor=cursor
    )
    page, next_cursor = page_by_key(rows, limit, queries.assignment_key)
    return Page[AssignmentOut](items=[queries.assignment_out(a, t, today) for a, t in page], next_cursor=next_cursor)


@router.post(
    "/tasks/{assignment_id}/report",
    response_model=AssignmentOut,
    summary="Report back on a task of your grid",
    openapi_extra=problems({409: ["task_completed"]}),
)
async def report(
    assignment_id: str,
    body: TaskReport,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(service.REPORT))],
) -> AssignmentOut:
    now = ctx.now()
    today = ctx.calendar.local_date(now)
    assignment, task = await service.report(session, principal, assignment_id, body, now=now, today=today)
    return queries.assignment_out(assignment, task, today)
