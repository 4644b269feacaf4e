"""Reads of work diaries: its scope filter (the grids in scope, and the caller's own diaries)."""

from __future__ import annotations

from sqlalchemy import ColumnElement

from grid.diaries.models import Diary
from jiceng_shared.identity import Principal
from jiceng_shared.scope import scope_filter

READ = "grid.diary.read"


def readable(principal: Principal, permission: str = READ) -> ColumnElement[bool]:
    """The scope filter: rows on grids where the caller holds ``permission`` (the scope's code
    range written into the SQL, so each scope is planned with its real selectivity)."""
    return scope_filter(principal, permission, Diary.grid_code, inline=True) | (Diary.worker_id == principal.subject)
