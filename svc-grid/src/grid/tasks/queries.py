"""Reads of tasks: its scope filter (a department's own assignments, and the grids in scope)."""

from __future__ import annotations

from sqlalchemy import ColumnElement

from grid.tasks.models import TaskAssignment
from jiceng_shared.identity import Principal
from jiceng_shared.scope import scope_filter

READ = "grid.task.read"


def readable(principal: Principal, permission: str = READ) -> ColumnElement[bool]:
    """The scope filter: rows on grids where the caller holds ``permission`` (the scope's code
    range written into the SQL, so each scope is planned with its real selectivity)."""
    return scope_filter(
        principal, permission, TaskAssignment.grid_code, TaskAssignment.dept, inline=True
    ) | scope_filter(principal, permission, TaskAssignment.grid_code, inline=True)
