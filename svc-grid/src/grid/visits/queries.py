"""Reads of visits: the due-visit computation per grid or township (002 art. 19), visit lists."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from grid.areas.models import Area
from grid.residents.models import Resident, ResidentGroup
from grid.residents.queries import group_code, in_groups
from grid.residents.rules import SPECIAL_GROUPS
from grid.visits import rules
from grid.visits.models import Visit
from grid.visits.schemas import DueItem, DueList, VisitKind, VisitOut
from jiceng_shared.identity import Principal
from jiceng_shared.keyset import ASC, DESC, after_key
from jiceng_shared.masking import mask_person_name
from jiceng_shared.scope import scope_filter
from jiceng_shared.workdays import WorkdayCalendar

READ = "grid.visit.read"
GROUP_LABELS = SPECIAL_GROUPS | {"household": "一般居民家庭", "patrol": "网格巡查"}


@dataclass(frozen=True)
class Due:
    """One obligation of a grid on a day (what the due list shows and the overdue scan publishes)."""

    grid_code: str
    township_code: str
    subject: str  # person | household | patrol
    group: str
    period: str
    state: str
    due_on: dt.date
    last_visit: dt.date | None
    resident_id: str | None = None
    name: str | None = None
    household_no: str | None = None

    @property
    def key(self) -> str:
        if self.subject == "person":
            return self.resident_id or ""
        if self.subject == "household":
            return f"household:{self.household_no}"[:64]
        return f"patrol:{self.grid_code}"

    def item(self) -> dict:
        return {
            "subject": self.subject,
            "resident_id": self.resident_id,
            "name_masked": mask_person_name(self.name) if self.name else None,
            "household_no": self.household_no,
            "group": self.group,
            "group_zh": GROUP_LABELS.get(self.group, self.group),
            "period": self.period,
            "state": self.state,
            "due_on": self.due_on,
            "last_visit": self.last_visit,
        }


async def obligations(
    session: AsyncSession,
    *,
    today: dt.date,
    visit_rules: rules.VisitRules,
    cal: WorkdayCalendar,
    grid_code: str | None = None,
    township_code: str | None = None,
) -> list[Due]:
    """Every obligation (done, due or overdue) of one grid, or of every grid of a township.

    Reads only what the schedule needs, in Core (no ORM objects): the grids, one row per household
    (its earliest registration), the people on a visiting register (through the indexed register
    table), and the last visit of each person, household and grid since the longest period began.
    """
    assert grid_code or township_code
    conn = await session.connection()
    lookback = rules.lookback_start(visit_rules, today, cal)

    def since(created: dt.datetime, lives_since: dt.date | None) -> dt.date:
        registered = cal.local_date(created)
        return min(registered, lives_since) if lives_since else registered

    grid_where = Area.code == grid_code if grid_code else Area.township_code == township_code
    grids = (
        await conn.execute(
            select(Area.code, Area.township_code, Area.created_at).where(
                grid_where, Area.level == "grid", Area.status == "active"
            )
        )
    ).all()
    res_where = (Resident.grid_code == grid_code) if grid_code else (Resident.township_code == township_code)
    active = Resident.status == "active"
    households = (
        await conn.execute(
            select(
                Resident.grid_code,
                Resident.household_no,
                func.min(Resident.township_code),
                func.min(Resident.created_at),
                func.min(Resident.lives_here_since),
            )
            .where(res_where, active)
            .group_by(Resident.grid_code, Resident.household_no)
        )
    ).all()
    visiting = sorted(visit_rules.group_periods)
    members = (
        await conn.execute(
            select(
                Resident.id,
                Resident.grid_code,
                Resident.township_code,
                Resident.name,
                Resident.household_no,
                Resident.created_at,
                Resident.lives_here_since,
                group_code().label("group"),
            )
            .join(ResidentGroup, ResidentGroup.resident_id == Resident.id)
            .where(res_where, active, in_groups(visiting))
        )
    ).all()
    visit_where = Visit.grid_code == grid_code if grid_code else Visit.township_code == township_code
    recent = Visit.visited_on >= lookback
    by_person = dict(
        (
            await conn.execute(
                select(Visit.resident_id, func.max(Visit.visited_on))
                .where(visit_where, recent, Visit.resident_id.is_not(None))
                .group_by(Visit.resident_id)
            )
        ).all()
    )
    by_household = {
        (g, h): day
        for g, h, day in (
            await conn.execute(
                select(Visit.grid_code, Visit.household_no, func.max(Visit.visited_on))
                .where(visit_where, recent, Visit.household_no.is_not(None))
                .group_by(Visit.grid_code, Visit.household_no)
            )
        ).all()
    }
    patrols = dict(
        (
            await conn.execute(
                select(Visit.grid_code, func.max(Visit.visited_on))
                .where(visit_where, recent, Visit.kind == "patrol")
                .group_by(Visit.grid_code)
            )
        ).all()
    )

    out: list[Due] = []
    obligation = rules.obligation
    for code, township, created in grids:
        township = township or code[:9] + "000"
        o = obligation(
            visit_rules.patrol_period, today, last_visit=patrols.get(code), since=cal.local_date(created), cal=cal
        )
        out.append(Due(code, township, "patrol", "patrol", visit_rules.patrol_period, o.state, o.due_on, o.last_visit))
    # a person on several visiting registers is visited as often as the strictest one asks
    strictest: dict[str, tuple] = {}
    for row in members:
        groups = [row.group] + ([strictest[row.id][-1]] if row.id in strictest else [])
        group, _period = visit_rules.person_rule(groups) or (row.group, "")
        strictest[row.id] = (*row[:7], group)
    for rid, grid, township, name, household, created, lives_since, group in strictest.values():
        period = visit_rules.group_periods[group]
        o = obligation(period, today, last_visit=by_person.get(rid), since=since(created, lives_since), cal=cal)
        out.append(Due(grid, township, "person", group, period, o.state, o.due_on, o.last_visit, rid, name, household))
    period = visit_rules.household_period
    for grid, household, township, created, lives_since in households:
        o = obligation(
            period, today, last_visit=by_household.get((grid, household)), since=since(created, lives_since), cal=cal
        )
        out.append(
            Due(
                grid,
                township,
                "household",
                "household",
                period,
                o.state,
                o.due_on,
                o.last_visit,
                household_no=household,
            )
        )
    return out


def readable(principal: Principal, covered: set[str] | frozenset[str] = frozenset()) -> ColumnElement[bool]:
    """The scope filter of visits: those of grids in the caller's scope, and of the grids it covers
    as the B post of an absent A (the scope's code range written into the SQL)."""
    clause = scope_filter(principal, READ, Visit.grid_code, inline=True)
    if covered and principal.can(READ):
        clause = clause | Visit.grid_code.in_(sorted(covered))
    return clause


async def visible_grids(
    session: AsyncSession, principal: Principal, permission: str, covered: set[str], *, township_code: str | None
) -> list[tuple[str, str]]:
    """(grid code, township code) of the grids the caller reads, and those it covers as B post."""
    clause = scope_filter(principal, permission, Area.code)
    if covered:
        clause = or_(clause, Area.code.in_(sorted(covered)))
    stmt = select(Area.code, Area.township_code).where(Area.level == "grid", clause)
    if township_code is not None:
        stmt = stmt.where(Area.township_code == township_code)
    return [
        (code, township or code[:9] + "000") for code, township in (await session.execute(stmt.order_by(Area.code)))
    ]


async def household_representative(session: AsyncSession, grid_code: str, household_no: str) -> str | None:
    """The resident standing for a household in an event (its head, else its first registered member)."""
    return await session.scalar(
        select(Resident.id)
        .where(Resident.grid_code == grid_code, Resident.household_no == household_no)
        .order_by(Resident.household_head.desc(), Resident.created_at)
        .limit(1)
    )


def counts(dues: list[Due]) -> dict[str, int]:
    c: dict[str, int] = defaultdict(int)
    for d in dues:
        c[d.state] += 1
    return {"due": c["due"], "overdue": c["overdue"], "done": c["done"]}


async def list_visits(
    session: AsyncSession,
    scope_clause: object,
    *,
    grid_code: str | None,
    worker_id: str | None,
    day: dt.date | None,
    limit: int,
    cursor: str | None = None,
) -> list[Visit]:
    """Newest first, from after ``cursor``, ``limit + 1`` of them."""
    stmt = select(Visit).where(scope_clause)
    if grid_code is not None:
        stmt = stmt.where(Visit.grid_code == grid_code)
    if worker_id is not None:
        stmt = stmt.where(Visit.worker_id == worker_id)
    if day is not None:
        stmt = stmt.where(Visit.visited_on == day)
    stmt = after_key(stmt, [(Visit.visited_at, DESC), (Visit.id, ASC)], limit=limit, cursor=cursor)
    return list((await session.scalars(stmt)).all())


def visit_key(v: Visit) -> tuple[dt.datetime, str]:
    return v.visited_at, v.id


def to_out(v: Visit) -> VisitOut:
    kind = VisitKind(v.kind)
    return VisitOut(
        id=v.id,
        grid_code=v.grid_code,
        township_code=v.township_code,
        kind=kind,
        kind_zh=kind.label_zh,
        resident_id=v.resident_id,
        household_no=v.household_no,
        visited_at=v.visited_at,
        location=v.location,
        outside_grid=v.outside_grid,
        found=v.found,
        done=v.done,
        attachments=v.attachments,
        worker_id=v.worker_id,
        worker_name=v.worker_name,
        covering_for=v.covering_for,
        incident_id=v.incident_id,
    )


def grid_key(grid: tuple[str, str]) -> tuple[str, str]:
    """The order of the due summaries: a (grid code, township code) by township, then code."""
    code, township = grid
    return township, code


async def due_summaries(
    session: AsyncSession,
    grids: list[tuple[str, str]],
    covered: set[str],
    *,
    today: dt.date,
    visit_rules: rules.VisitRules,
    cal: WorkdayCalendar,
) -> list[DueList]:
    """The counts of each (grid code, township code), without items; each township's counts are
    computed once, for the grids given."""
    out = []
    empty = {"due": 0, "overdue": 0, "done": 0}
    for township in sorted({t for _, t in grids}):
        counts = await township_counts(session, today=today, visit_rules=visit_rules, cal=cal, township_code=township)
        out += [
            DueList(grid_code=code, day=today, covering=code in covered, **counts.get(code, empty), items=[])
            for code, t in grids
            if t == township
        ]
    return out


def due_list(grid_code: str, today: dt.date, dues: list[Due], include_done: bool, *, covering: bool) -> DueList:
    """A grid's due list: overdue first, then due, then (when asked) done, each by due date."""
    order = {"overdue": 0, "due": 1, "done": 2}
    shown = sorted(
        (d for d in dues if include_done or d.state != "done"), key=lambda d: (order[d.state], d.due_on, d.key)
    )
    return DueList(
        grid_code=grid_code,
        day=today,
        covering=covering,
        **counts(dues),
        items=[DueItem(**d.item()) for d in shown],
    )


def _state(last: Any, created: Any, lives: Any, period: str, today: dt.date, cal: WorkdayCalendar) -> Any:
    """:func:`rules.obligation` as SQL: for a given day a period's bounds are constants, so "done /
    overdue / due" is a CASE over the last visit and the registration (tests compare both)."""
    start, _ = rules.period_bounds(period, today, cal)
    prev_start, _ = rules.period_bounds(period, start - dt.timedelta(days=1), cal)
    # registered on or before prev_start (local date) ⟺ created before the next local midnight
    cutoff = dt.datetime.combine(prev_start + dt.timedelta(days=1), dt.time.min, tzinfo=cal.zone)
    owed = or_(created < cutoff, lives <= prev_start)
    return case((last >= start, "done"), (and_(owed, or_(last.is_(None), last < prev_start)), "overdue"), else_="due")


def _due_on(state: str, period: str, today: dt.date, cal: WorkdayCalendar) -> dt.date:
    start, end = rules.period_bounds(period, today, cal)
    return rules.period_bounds(period, start - dt.timedelta(days=1), cal)[1] if state == "overdue" else end


def _obligation_selects(
    township_code: str, today: dt.date, visit_rules: rules.VisitRules, cal: WorkdayCalendar
) -> list[tuple[str, str, str, Any]]:
    """(subject, group, period, subquery with g, key, name, household, last, state) of every household
    and person obligation of a township."""
    lookback = rules.lookback_start(visit_rules, today, cal)
    active = and_(Resident.township_code == township_code, Resident.status == "active")
    out = []
    hh = (
        select(
            Resident.grid_code.label("g"),
            Resident.household_no.label("h"),
            func.min(Resident.created_at).label("created"),
            func.min(Resident.lives_here_since).label("lives"),
        )
        .where(active)
        .group_by(Resident.grid_code, Resident.household_no)
        .subquery()
    )
    hv = (
        select(Visit.grid_code.label("g"), Visit.household_no.label("h"), func.max(Visit.visited_on).label("last"))
        .where(Visit.township_code == township_code, Visit.visited_on >= lookback, Visit.household_no.is_not(None))
        .group_by(Visit.grid_code, Visit.household_no)
        .subquery()
    )
    period = visit_rules.household_period
    households = (
        select(
            hh.c.g,
            hh.c.h.label("key"),
            literal(None).label("name"),
            hh.c.h.label("household"),
            hv.c.last,
            _state(hv.c.last, hh.c.created, hh.c.lives, period, today, cal).label("state"),
        )
        .select_from(hh.outerjoin(hv, and_(hv.c.g == hh.c.g, hv.c.h == hh.c.h)))
        .subquery()
    )
    out.append(("household", "household", period, households))
    pv = (
        select(Visit.resident_id.label("r"), func.max(Visit.visited_on).label("last"))
        .where(Visit.township_code == township_code, Visit.visited_on >= lookback, Visit.resident_id.is_not(None))
        .group_by(Visit.resident_id)
        .subquery()
    )
    stricter: list[str] = []
    by_period: dict[str, list[str]] = {}
    for group, p in visit_rules.group_periods.items():
        by_period.setdefault(p, []).append(group)
    for p in sorted(by_period, key=rules.PERIODS.index):
        groups = sorted(by_period[p])
        # the person's group: the first of this period's registers they are on
        group_of = (
            select(func.min(group_code()))
            .where(ResidentGroup.resident_id == Resident.id, in_groups(groups))
            .scalar_subquery()
        )
        stmt = (
            select(
                Resident.grid_code.label("g"),
                Resident.id.label("key"),
                Resident.name.label("name"),
                Resident.household_no.label("household"),
                pv.c.last,
                _state(pv.c.last, Resident.created_at, Resident.lives_here_since, p, today, cal).label("state"),
                group_of.label("grp"),
            )
            .outerjoin(pv, pv.c.r == Resident.id)
            .where(active, Resident.id.in_(select(ResidentGroup.resident_id).where(in_groups(groups))))
        )
        if stricter:
            stmt = stmt.where(Resident.id.not_in(select(ResidentGroup.resident_id).where(in_groups(stricter))))
        out.append(("person", "", p, stmt.subquery()))
        stricter += groups
    return out


async def township_counts(
    session: AsyncSession,
    *,
    today: dt.date,
    visit_rules: rules.VisitRules,
    cal: WorkdayCalendar,
    township_code: str,
) -> dict[str, dict[str, int]]:
    """``{grid: {"due", "overdue", "done"}}`` for every grid of a township, counted in the database."""
    conn = await session.connection()
    counts: dict[str, dict[str, int]] = {}

    def add(grid: str, state: str, n: int) -> None:
        counts.setdefault(grid, {"due": 0, "overdue": 0, "done": 0})[state] += n

    for d in await township_patrols(
        session, today=today, visit_rules=visit_rules, cal=cal, township_code=township_code
    ):
        add(d.grid_code, d.state, 1)
    for _subject, _group, _period, sub in _obligation_selects(township_code, today, visit_rules, cal):
        rows = await conn.execute(select(sub.c.g, sub.c.state, func.count()).group_by(sub.c.g, sub.c.state))
        for grid, state, n in rows.all():
            add(grid, state, n)
    return counts


async def township_patrols(
    session: AsyncSession,
    *,
    today: dt.date,
    visit_rules: rules.VisitRules,
    cal: WorkdayCalendar,
    township_code: str,
) -> list[Due]:
    """The daily patrol obligation of every active grid of a township."""
    conn = await session.connection()
    lookback = rules.lookback_start(visit_rules, today, cal)
    grids = (
        await conn.execute(
            select(Area.code, Area.created_at).where(
                Area.township_code == township_code, Area.level == "grid", Area.status == "active"
            )
        )
    ).all()
    patrols = dict(
        (
            await conn.execute(
                select(Visit.grid_code, func.max(Visit.visited_on))
                .where(Visit.township_code == township_code, Visit.visited_on >= lookback, Visit.kind == "patrol")
                .group_by(Visit.grid_code)
            )
        ).all()
    )
    period = visit_rules.patrol_period
    out = []
    for code, created in grids:
        o = rules.obligation(period, today, last_visit=patrols.get(code), since=cal.local_date(created), cal=cal)
        out.append(Due(code, township_code, "patrol", "patrol", period, o.state, o.due_on, o.last_visit))
    return out


async def township_overdue(
    session: AsyncSession,
    *,
    today: dt.date,
    visit_rules: rules.VisitRules,
    cal: WorkdayCalendar,
    township_code: str,
) -> list[Due]:
    """The overdue patrol, person and household obligations of a township, found in the database
    (what the overdue scan publishes, without loading the township's people)."""
    conn = await session.connection()
    patrols = await township_patrols(
        session, today=today, visit_rules=visit_rules, cal=cal, township_code=township_code
    )
    out: list[Due] = [d for d in patrols if d.state == "overdue"]
    for subject, group, period, sub in _obligation_selects(township_code, today, visit_rules, cal):
        cols = [sub.c.g, sub.c.key, sub.c.name, sub.c.household, sub.c.last]
        if subject == "person":
            cols.append(sub.c.grp)
        rows = await conn.execute(select(*cols).where(sub.c.state == "overdue"))
        due_on = _due_on("overdue", period, today, cal)
        for row in rows.all():
            if subject == "person":
                out.append(
                    Due(
                        row.g,
                        township_code,
                        "person",
                        row.grp,
                        period,
                        "overdue",
                        due_on,
                        row.last,
                        row.key,
                        row.name,
                        row.household,
                    )
                )
            else:
                out.append(
                    Due(
                        row.g,
                        township_code,
                        "household",
                        group,
                        period,
                        "overdue",
                        due_on,
                        row.last,
                        household_no=row.household,
                    )
                )
    return out
