"""Use cases of the admission list and tasks: publish a version of the list, assign a task to grids
(refused when its type is not on the list in force), the grid worker reports back (``grid.task.completed``)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from grid.areas.models import Area
from grid.tasks import queries as tasks_queries
from grid.tasks import rules
from grid.tasks.models import AdmissionList, GridTask, TaskAssignment
from grid.tasks.queries import readable
from grid.tasks.schemas import AdmissionListCreate, TaskCreate, TaskReport
from jiceng_shared.contracts.grid import TaskCompleted
from jiceng_shared.db import new_id
from jiceng_shared.errors import FieldErrors, Problem, not_found
from jiceng_shared.identity import Principal
from jiceng_shared.keyset import ASC, after_key
from jiceng_shared.outbox import emit
from jiceng_shared.scope import require_scope
from jiceng_shared.versioning import VersionedList, check_effective_from
from jiceng_shared.workdays import COUNTY_ZONE

MANAGE_LIST = "grid.admission.manage"
READ_LIST = "grid.admission.read"
ASSIGN = "grid.task.assign"
REPORT = "grid.task.report"
READ = tasks_queries.READ


#: the admission list's versions, one series per county (the platform's one versioned-list mechanism)
ADMISSION_LISTS: VersionedList[AdmissionList] = VersionedList(
    number=AdmissionList.version, effective_from=AdmissionList.effective_from, key=AdmissionList.county_code
)


async def publish_list(
    session: AsyncSession, principal: Principal, body: AdmissionListCreate, *, now: dt.datetime
) -> AdmissionList:
    require_scope(principal, MANAGE_LIST, body.county_code)
    errors = rules.check_list(body.task_types)
    # versions of one county are numbered one after the other
    await session.execute(select(Area.code).where(Area.code == body.county_code).with_for_update())
    latest = await ADMISSION_LISTS.latest(session, body.county_code)
    # a new version never takes effect in the past, nor before the latest: tasks keep their list
    check_effective_from(
        errors,
        body.effective_from,
        now=now.astimezone(COUNTY_ZONE).date(),
        latest=latest.effective_from if latest else None,
    )
    errors.raise_if_any()
    version = AdmissionList(
        id=new_id(),
        county_code=body.county_code,
        version=await ADMISSION_LISTS.next_number(session, body.county_code),
        effective_from=body.effective_from,
        task_types=[t.model_dump() for t in body.task_types],
        published_by=principal.subject,
        published_at=now,
    )
    session.add(version)
    await session.flush()
    return version


async def versions(session: AsyncSession, county_code: str | None = None) -> list[AdmissionList]:
    stmt = select(AdmissionList)
    if county_code is not None:
        stmt = stmt.where(AdmissionList.county_code == county_code)
    return list((await session.scalars(stmt.order_by(AdmissionList.county_code, AdmissionList.version))).all())


async def lists_in_force(session: AsyncSession, day: dt.date | None) -> list[AdmissionList]:
    """The version of each county's list in force on ``day`` (every version when no day is given),
    by county and version."""
    rows = await versions(session)
    if day is None:
        return rows
    by_county: dict[str, list[AdmissionList]] = {}
    for v in rows:
        by_county.setdefault(v.county_code, []).append(v)
    return [current for vs in by_county.values() if (current := rules.in_force(vs, day)) is not None]


async def assign(
    session: AsyncSession, principal: Principal, body: TaskCreate, *, now: dt.datetime, today: dt.date
) -> tuple[GridTask, list[TaskAssignment]]:
    codes = list(dict.fromkeys(body.grid_codes))
    grids = {
        a.code: a for a in (await session.scalars(select(Area).where(Area.code.in_(codes), Area.level == "grid"))).all()
    }
    errors = FieldErrors()
    for i, code in enumerate(codes):
        if code not in grids:
            errors.add(f"grid_codes.{i}", "unknown_grid", f"no grid {code}")
    townships = {g.township_code or g.code[:9] + "000" for g in grids.values()}
    if len(townships) > 1:
        errors.add("grid_codes", "grids_of_several_townships", "a task goes to the grids of one township")
    county = codes[0][:6] + "000000"
    current = await ADMISSION_LISTS.in_force(session, today, key=county)
    admitted = {t["code"] for t in current.task_types} if current else None
    for e in rules.check_task(task_type=body.task_type, admitted=admitted, due_on=body.due_on, today=today).errors:
        errors.add(e["field"], e["code"], e["message"])
    # the assigner's department: the binding that grants the right over the first grid
    dept = None
    for code in grids:
        binding = next((b for b in principal.bindings_for(ASSIGN) if code.startswith(b.prefix)), None)
        if binding is None:
            require_scope(principal, ASSIGN, code)
        dept = binding.dept if binding else None
    errors.raise_if_any()
    # check_task refuses every task while no list is in force, so one is here
    assert current is not None
    township = townships.pop()
    task = GridTask(
        id=new_id(),
        task_type=body.task_type,
        title=body.title,
        instructions=body.instructions,
        township_code=township,
        dept=dept,
        due_on=body.due_on,
        list_version=current.version,
        assigned_by=principal.subject,
        assigned_by_name=principal.name,
        created_at=now,
    )
    session.add(task)
    await session.flush()
    assignments = [
        TaskAssignment(
            id=new_id(), task_id=task.id, grid_code=code, township_code=township, dept=dept, status="assigned"
        )
        for code in codes
    ]
    session.add_all(assignments)
    await session.flush()
    return task, assignments


async def list_assignments(
    session: AsyncSession,
    principal: Principal,
    *,
    grid_code: str | None,
    status: str | None,
    limit: int,
    cursor: str | None = None,
) -> list[tuple[TaskAssignment, GridTask]]:
    """By due date, from after ``cursor``, ``limit + 1`` of them."""
    stmt = (
        select(TaskAssignment, GridTask)
        .join(GridTask, GridTask.id == TaskAssignment.task_id)
        .where(readable(principal))
    )
    if grid_code is not None:
        stmt = stmt.where(TaskAssignment.grid_code == grid_code)
    if status is not None:
        stmt = stmt.where(TaskAssignment.status == status)
    order = [(GridTask.due_on, ASC), (TaskAssignment.id, ASC)]
    rows = await session.execute(after_key(stmt, order, limit=limit, cursor=cursor))
    return [(a, t) for a, t in rows.all()]


async def report(
    session: AsyncSession,
    principal: Principal,
    assignment_id: str,
    body: TaskReport,
    *,
    now: dt.datetime,
    today: dt.date,
) -> tuple[TaskAssignment, GridTask]:
    row = (
        await session.execute(
            select(TaskAssignment, GridTask)
            .join(GridTask, GridTask.id == TaskAssignment.task_id)
            .where(TaskAssignment.id == assignment_id, readable(principal))
        )
    ).first()
    if row is None:
        raise not_found("task", assignment_id)
    assignment, task = row
    require_scope(principal, REPORT, assignment.grid_code)
    if assignment.status == "completed":
        raise Problem(409, "task_completed", "Already completed", "the task was reported back already")
    if assignment.version != body.version:
        raise Problem(409, "concurrent_update", "Changed by someone else", "reload the task and retry")
    assignment.status = "completed"
    assignment.report = body.report
    assignment.reported_by = principal.subject
    assignment.completed_at = now
    assignment.on_time = today <= task.due_on
    await emit(
        session,
        TaskCompleted(
            task_id=task.id,
            task_type=task.task_type,
            grid_code=assignment.grid_code,
            township_code=assignment.township_code,
            worker_id=principal.subject,
            due_on=task.due_on,
            completed_at=now,
            on_time=assignment.on_time,
        ),
        subject=assignment.id,
        township=assignment.township_code,
    )
    await session.flush()
    return assignment, task
