"""Reads of the roster: its scope filter."""

from __future__ import annotations

from sqlalchemy import ColumnElement

from grid.roster.models import RosterEntry
from jiceng_shared.identity import Principal
from jiceng_shared.scope import scope_filter

READ = "grid.roster.read"


def readable(principal: Principal, permission: str = READ) -> ColumnElement[bool]:
    """The scope filter: rows on grids where the caller holds ``permission`` (the scope's code
    range written into the SQL, so each scope is planned with its real selectivity)."""
    return scope_filter(principal, permission, RosterEntry.grid_code, inline=True)
