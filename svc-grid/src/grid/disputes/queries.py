"""Reads of disputes: its scope filter."""

from __future__ import annotations

from sqlalchemy import ColumnElement

from grid.disputes.models import Dispute
from jiceng_shared.identity import Principal
from jiceng_shared.scope import scope_filter

LIST = "grid.dispute.list"
READ = "grid.dispute.read"


def readable(principal: Principal, permission: str = READ) -> ColumnElement[bool]:
    """The scope filter: rows on grids where the caller holds ``permission`` (the scope's code
    range written into the SQL, so each scope is planned with its real selectivity)."""
    return scope_filter(principal, permission, Dispute.grid_code, inline=True)
