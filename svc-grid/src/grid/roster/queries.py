"""Reads of the roster: its scope filter, and the shapes of its rows in answers."""

from __future__ import annotations

from sqlalchemy import ColumnElement

from grid.roster.models import Absence, RosterEntry
from grid.roster.schemas import AbsenceOut, RosterEntryOut, RosterPost
from jiceng_shared.identity import Principal
from jiceng_shared.scope import scope_filter

READ = "grid.roster.read"


def readable(principal: Principal, permission: str = READ) -> ColumnElement[bool]:
    """The scope filter: rows on grids where the caller holds ``permission`` (the scope's code
    range written into the SQL, so each scope is planned with its real selectivity)."""
    return scope_filter(principal, permission, RosterEntry.grid_code, inline=True)


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


def absence_out(absence: Absence, covered_by: str | None) -> AbsenceOut:
    return AbsenceOut(
        id=absence.id,
        grid_code=absence.grid_code,
        worker_id=absence.worker_id,
        first_day=absence.first_day,
        last_day=absence.last_day,
        reason=absence.reason,
        covered_by_grid=covered_by,
    )
