"""Use cases of the roster: take and leave posts, pair grids as A/B posts, record absences; and who
acts on a grid today (its own worker, or the B post covering an absent A)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from grid.areas import rules as areas
from grid.areas.models import Area
from grid.roster import queries as roster_queries
from grid.roster import rules
from grid.roster.models import Absence, BackupPost, RosterEntry
from grid.roster.queries import readable
from grid.roster.schemas import AbsenceCreate, BackupSet, RosterEntryCreate
from jiceng_shared.contracts.grid import WorkerLeft, WorkerRostered
from jiceng_shared.db import new_id
from jiceng_shared.errors import Problem, not_found
from jiceng_shared.identity import Principal
from jiceng_shared.keyset import ASC, after_key
from jiceng_shared.outbox import emit
from jiceng_shared.scope import require_scope

MANAGE = "grid.roster.manage"
READ = roster_queries.READ


async def grid_area(session: AsyncSession, grid_code: str, field: str = "grid_code") -> Area:
    grid = await session.scalar(select(Area).where(Area.code == grid_code, Area.level == "grid"))
    if grid is None:
        raise Problem(
            422,
            "unknown_grid",
            "Invalid request",
            f"{field}: no grid {grid_code}",
            errors=[{"field": field, "code": "unknown_grid", "message": f"no grid {grid_code}"}],
        )
    return grid


def township_of(grid: Area) -> str:
    return grid.township_code or grid.code[:9] + "000"


def _active(day: dt.date) -> object:
    return (RosterEntry.since <= day) & or_(RosterEntry.until.is_(None), RosterEntry.until >= day)


async def add_entry(
    session: AsyncSession,
    principal: Principal,
    body: RosterEntryCreate,
    *,
    now: dt.datetime,
    today: dt.date,
    roster_rules: rules.RosterRules,
) -> RosterEntry:
    grid = await grid_area(session, body.grid_code)
    require_scope(principal, MANAGE, grid.code)
    community = await session.get(Area, grid.parent_code or grid.code[:12])
    # the post counts from the later of today and its start: an entry that already left does not hold it
    day = max(today, body.since)
    # the grid's row is locked so two entries for one post are decided one after the other
    await session.execute(select(Area.code).where(Area.code == grid.code).with_for_update())
    full_time = await session.scalar(
        select(func.count())
        .select_from(RosterEntry)
        .where(RosterEntry.grid_code == grid.code, RosterEntry.post == "full_time", _active(day))
    )
    rules.check_entry(
        post=body.post,
        committee_member=body.committee_member,
        urban_community=community is not None and community.level == "community",
        full_time_on_grid=full_time or 0,
        rules=roster_rules,
    )
    entry = RosterEntry(
        id=new_id(),
        grid_code=grid.code,
        community_code=grid.code[:12],
        township_code=township_of(grid),
        worker_id=body.worker_id,
        username=body.username,
        name=body.name,
        post=body.post.value,
        committee_member=body.committee_member,
        since=body.since,
        until=None,
        created_by=principal.subject,
        created_at=now,
    )
    session.add(entry)
    await emit(
        session,
        WorkerRostered(
            roster_id=entry.id,
            worker_id=entry.worker_id,
            username=entry.username,
            name=entry.name,
            post=entry.post,
            grid_code=entry.grid_code,
            township_code=entry.township_code,
            since=entry.since,
        ),
        subject=entry.id,
        township=entry.township_code,
    )
    await session.flush()
    return entry


async def leave(session: AsyncSession, principal: Principal, entry_id: str, until: dt.date) -> RosterEntry:
    entry = await session.scalar(select(RosterEntry).where(RosterEntry.id == entry_id, readable(principal)))
    if entry is None:
        raise not_found("roster entry", entry_id)
    require_scope(principal, MANAGE, entry.grid_code)
    if entry.until is not None:
        raise Problem(409, "already_left", "Already left", f"the post was left on {entry.until.isoformat()}")
    if until < entry.since:
        raise Problem(
            422,
            "period_reversed",
            "Invalid request",
            "until: before the day the post was taken",
            errors=[{"field": "until", "code": "period_reversed", "message": "before the day the post was taken"}],
        )
    entry.until = until
    await emit(
        session,
        WorkerLeft(
            roster_id=entry.id,
            worker_id=entry.worker_id,
            grid_code=entry.grid_code,
            township_code=entry.township_code,
            until=until,
        ),
        subject=entry.id,
        township=entry.township_code,
    )
    await session.flush()
    return entry


ENTRY_ORDER = [(RosterEntry.grid_code, ASC), (RosterEntry.since, ASC), (RosterEntry.id, ASC)]


def entry_key(e: RosterEntry) -> tuple[str, dt.date, str]:
    return e.grid_code, e.since, e.id


async def list_entries(
    session: AsyncSession,
    principal: Principal,
    *,
    grid_code: str | None,
    active_on: dt.date | None,
    limit: int,
    cursor: str | None = None,
) -> list[RosterEntry]:
    """Entries by grid and start, from after ``cursor``, ``limit + 1`` of them."""
    stmt = select(RosterEntry).where(readable(principal))
    if grid_code is not None:
        stmt = stmt.where(RosterEntry.grid_code == grid_code)
    if active_on is not None:
        stmt = stmt.where(_active(active_on))
    return list((await session.scalars(after_key(stmt, ENTRY_ORDER, limit=limit, cursor=cursor))).all())


async def set_backup(
    session: AsyncSession, principal: Principal, body: BackupSet, *, now: dt.datetime, tolerance: areas.Tolerance
) -> None:
    """Pair two adjacent grids of one community as each other's A/B post (互为AB岗), replacing earlier pairs."""
    grid = await grid_area(session, body.grid_code)
    backup = await grid_area(session, body.backup_grid_code, "backup_grid_code")
    require_scope(principal, MANAGE, grid.code)
    require_scope(principal, MANAGE, backup.code)
    adjacent = (
        areas.adjacent(areas.geometry(grid.polygon), areas.geometry(backup.polygon), tolerance)
        if grid.polygon and backup.polygon
        else None
    )
    rules.check_backup(grid.code, backup.code, adjacent=adjacent).raise_if_any()
    for a, b in ((grid, backup), (backup, grid)):
        row = await session.get(BackupPost, a.code)
        if row is None:
            session.add(
                BackupPost(
                    grid_code=a.code,
                    backup_grid_code=b.code,
                    township_code=township_of(a),
                    set_by=principal.subject,
                    set_at=now,
                )
            )
        else:
            row.backup_grid_code, row.set_by, row.set_at = b.code, principal.subject, now
    await session.flush()


async def entries_on(session: AsyncSession, grid_code: str, day: dt.date) -> list[RosterEntry]:
    """The posts held on a grid on ``day``."""
    return list(
        (
            await session.scalars(
                select(RosterEntry).where(RosterEntry.grid_code == grid_code, _active(day)).order_by(RosterEntry.id)
            )
        ).all()
    )


async def move_entry(
    session: AsyncSession, entry: RosterEntry, to: Area | None, *, day: dt.date, actor: str, now: dt.datetime
) -> RosterEntry | None:
    """A grid redrawn into others (a split): the post on the old grid ends the day before ``day``
    and, when the person goes with a part, the same post starts there on ``day`` (both published)."""
    entry.until = max(entry.since, day - dt.timedelta(days=1))
    await emit(
        session,
        WorkerLeft(
            roster_id=entry.id,
            worker_id=entry.worker_id,
            grid_code=entry.grid_code,
            township_code=entry.township_code,
            until=entry.until,
        ),
        subject=entry.id,
        township=entry.township_code,
    )
    if to is None:
        return None
    moved = RosterEntry(
        id=new_id(),
        grid_code=to.code,
        community_code=to.code[:12],
        township_code=township_of(to),
        worker_id=entry.worker_id,
        username=entry.username,
        name=entry.name,
        post=entry.post,
        committee_member=entry.committee_member,
        since=day,
        until=None,
        created_by=actor,
        created_at=now,
    )
    session.add(moved)
    await emit(
        session,
        WorkerRostered(
            roster_id=moved.id,
            worker_id=moved.worker_id,
            username=moved.username,
            name=moved.name,
            post=moved.post,
            grid_code=moved.grid_code,
            township_code=moved.township_code,
            since=moved.since,
        ),
        subject=moved.id,
        township=moved.township_code,
    )
    return moved


async def drop_backups(session: AsyncSession, grid_code: str) -> None:
    """A retired grid backs no one up and has no backup: its A/B pairs end."""
    await session.execute(
        delete(BackupPost).where(or_(BackupPost.grid_code == grid_code, BackupPost.backup_grid_code == grid_code))
    )


async def full_time_worker(session: AsyncSession, grid_code: str, day: dt.date) -> RosterEntry | None:
    return await session.scalar(
        select(RosterEntry)
        .where(RosterEntry.grid_code == grid_code, RosterEntry.post == "full_time", _active(day))
        .order_by(RosterEntry.since.desc())
        .limit(1)
    )


async def record_absence(
    session: AsyncSession, principal: Principal, body: AbsenceCreate, *, now: dt.datetime
) -> tuple[Absence, str | None]:
    grid = await grid_area(session, body.grid_code)
    require_scope(principal, MANAGE, grid.code)
    rules.check_period(body.first_day, body.last_day).raise_if_any()
    worker = await full_time_worker(session, grid.code, body.first_day)
    if worker is None:
        raise Problem(409, "no_full_time_worker", "No worker", "the grid has no full-time grid worker that day")
    absence = Absence(
        id=new_id(),
        grid_code=grid.code,
        township_code=township_of(grid),
        worker_id=worker.worker_id,
        first_day=body.first_day,
        last_day=body.last_day,
        reason=body.reason,
        recorded_by=principal.subject,
        recorded_at=now,
    )
    session.add(absence)
    await session.flush()
    backup = await session.get(BackupPost, grid.code)
    return absence, backup.backup_grid_code if backup else None


# --- who acts on a grid today ------------------------------------------------------------------


@dataclass(frozen=True)
class Acting:
    """The caller acts on ``grid_code``: as its own worker, or as the B post covering the absent A."""

    grid_code: str
    township_code: str
    covering: bool


async def covered_grids(session: AsyncSession, principal: Principal, day: dt.date) -> set[str]:
    """Grids whose full-time worker is absent on ``day`` and whose B post is the caller's own grid."""
    own = select(RosterEntry.grid_code).where(
        RosterEntry.worker_id == principal.subject, RosterEntry.post == "full_time", _active(day)
    )
    rows = await session.scalars(
        select(BackupPost.grid_code)
        .join(Absence, Absence.grid_code == BackupPost.grid_code)
        .where(BackupPost.backup_grid_code.in_(own), Absence.first_day <= day, Absence.last_day >= day)
    )
    return set(rows.all())


async def acting_on(
    session: AsyncSession, principal: Principal, permission: str, grid_code: str, day: dt.date
) -> Acting:
    """Raise unless the caller may do ``permission`` on the grid today (own scope, or covering as B)."""
    grid = await grid_area(session, grid_code)
    if principal.covers(permission, grid.code):
        return Acting(grid.code, township_of(grid), covering=False)
    if principal.can(permission) and grid.code in await covered_grids(session, principal, day):
        return Acting(grid.code, township_of(grid), covering=True)
    require_scope(principal, permission, grid.code)
    raise AssertionError("unreachable")  # pragma: no cover
