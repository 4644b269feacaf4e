"""HTTP routes of the admission list (网格准入清单) and of tasks pushed down to grid workers."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from grid.tasks import rules, service
from grid.tasks.models import AdmissionList, GridTask, TaskAssignment
from grid.tasks.schemas import (
    AdmissionListCreate,
    AdmissionListOut,
    AssignmentOut,
    TaskCreate,
    TaskOut,
    TaskReport,
    TaskState,
)
from jiceng_shared.identity import Principal
from jiceng_shared.openapi_problems import problems
from jiceng_shared.pagination import MAX_LIMIT
from jiceng_shared.service import Ctx, ReadSession, Tx, require

router = APIRouter(tags=["tasks"])


def list_out(v: AdmissionList) -> AdmissionListOut:
    return AdmissionListOut.model_validate(v, from_attributes=True)


def assignment_out(a: TaskAssignment, t: GridTask, today: dt.date) -> AssignmentOut:
    state = TaskState(rules.state(a.status, t.due_on, today))
    return AssignmentOut(
        id=a.id,
        task_id=t.id,
        task_type=t.task_type,
        title=t.title,
        instructions=t.instructions,
        grid_code=a.grid_code,
        dept=a.dept,
        due_on=t.due_on,
        state=state,
        state_zh=state.label_zh,
        report=a.report,
        completed_at=a.completed_at,
        on_time=a.on_time,
        version=a.version,
    )


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
    return list_out(await service.publish_list(session, principal, body, now=ctx.now()))


@router.get(
    "/admission-lists",
    response_model=list[AdmissionListOut],
    summary="The grid admission list: the version in force (``all=true``: every version)",
)
async def admission_lists(
    ctx: Ctx,
    session: ReadSession,
    _principal: Annotated[Principal, Depends(require(service.READ_LIST))],
    all: bool = False,
    on: dt.date | None = None,
) -> list[AdmissionListOut]:
    rows = await service.versions(session)
    if all:
        return [list_out(v) for v in rows]
    day = on or ctx.calendar.local_date(ctx.now())
    by_county: dict[str, list[AdmissionList]] = {}
    for v in rows:
        by_county.setdefault(v.county_code, []).append(v)
    current = [rules.in_force(vs, day) for vs in by_county.values()]
    return [list_out(v) for v in current if v is not None]


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
    return TaskOut(
        id=task.id,
        task_type=task.task_type,
        title=task.title,
        due_on=task.due_on,
        list_version=task.list_version,
        dept=task.dept,
        assignments=[assignment_out(a, task, today) for a in assignments],
    )


@router.get("/tasks", response_model=list[AssignmentOut], summary="Tasks on the grids in your scope, by due date")
async def list_tasks(
    ctx: Ctx,
    session: ReadSession,
    principal: Annotated[Principal, Depends(require(service.READ))],
    grid_code: Annotated[str | None, Query(pattern=r"^\d{15}$")] = None,
    status: Annotated[str | None, Query(pattern=r"^(assigned|completed)$")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> list[AssignmentOut]:
    today = ctx.calendar.local_date(ctx.now())
    rows = await service.list_assignments(session, principal, grid_code=grid_code, status=status, limit=limit)
    return [assignment_out(a, t, today) for a, t in rows]


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
    return assignment_out(assignment, task, today)
