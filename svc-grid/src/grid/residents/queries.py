"""Reads of residents: the scope filter."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement

from grid.residents.models import Resident
from jiceng_shared.identity import Principal
from jiceng_shared.scope import scope_filter

LIST = "grid.resident.list"


def readable(principal: Principal, permission: str = LIST, column: Any = Resident.grid_code) -> ColumnElement[bool]:
    """The scope filter of base data: rows of grids where the caller holds ``permission`` (the
    scope's code range written into the SQL, so a county-wide list is planned as one: see
    :func:`jiceng_shared.scope.scope_filter`)."""
    return scope_filter(principal, permission, column, inline=True)
