"""Reads of tasks: its scope filter (a department's own assignments, and the grids in scope), and
the shapes of the admission list and of tasks in answers."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement

from grid.tasks import rules
from grid.tasks.models import AdmissionList, GridTask, TaskAssignment
from grid.tasks.schemas import AdmissionListOut, AssignmentOut, TaskOut, TaskState
from jiceng_shared.identity import Principal
from jiceng_shared.scope import scope_filter

READ = "grid.task.read"


def readable(principal: Principal, permission: str = READ) -> ColumnElement[bool]:
    """The scope filter: rows on grids where the caller holds ``permission`` (the scope's code
    range written into the SQL, so each scope is planned with its real selectivity)."""
    return scope_filter(
        principal, permission, TaskAssignment.grid_code, TaskAssignment.dept, inline=True
    ) | scope_filter(principal, permission, TaskAssignment.grid_code, inline=True)


def list_out(v: AdmissionList) -> AdmissionListOut:
    return AdmissionListOut.model_validate(v, from_attributes=True)


def list_key(v: AdmissionList) -> tuple[str, int]:
    """The order of admission lists: by county, then version."""
    return v.county_code, v.version


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


def assignment_key(row: tuple[TaskAssignment, GridTask]) -> tuple[dt.date, str]:
    """The order of the task list: by due date, then assignment id."""
    a, t = row
    return t.due_on, a.id


def task_out(task: GridTask, assignments: list[TaskAssignment], today: dt.date) -> TaskOut:
    return TaskOut(
        id=task.id,
        task_type=task.task_type,
        title=task.title,
        due_on=task.due_on,
        list_version=task.list_version,
        dept=task.dept,
        assignments=[assignment_out(a, task, today) for a in assignments],
    )
