"""Reads of visits: the due-visit computation per grid or township (002 art. 19), visit lists."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from grid.areas.models import Area
from grid.residents.models import Resident
from grid.residents.rules import SPECIAL_GROUPS
from grid.visits import rules
from grid.visits.models import Visit
from jiceng_shared.identity import Principal
from jiceng_shared.masking import mask_name
from jiceng_shared.scope import scope_filter
from jiceng_shared.workdays import WorkdayCalendar

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
            "name_masked": mask_name(self.name) if self.name else None,
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
    """Every obligation (done, due or overdue) of one grid, or of every grid of a township."""
    assert grid_code or township_code
    since_of = lambda instant: cal.local_date(instant)  # noqa: E731
    lookback = rules.lookback_start(visit_rules, today, cal)

    grid_where = Area.code == grid_code if grid_code else Area.township_code == township_code
    grids = (
        await session.execute(
            select(Area.code, Area.township_code, Area.created_at).where(grid_where, Area.level == "grid")
        )
    ).all()
    res_where = Resident.grid_code == grid_code if grid_code else Resident.township_code == township_code
    people = (
        await session.execute(
            select(
                Resident.id,
                Resident.grid_code,
                Resident.township_code,
                Resident.name,
                Resident.household_no,
                Resident.special_groups,
                Resident.created_at,
                Resident.lives_here_since,
            ).where(res_where, Resident.status == "active")
        )
    ).all()
    visit_where = Visit.grid_code == grid_code if grid_code else Visit.township_code == township_code
    recent = Visit.visited_on >= lookback
    by_person = dict(
        (
            await session.execute(
                select(Visit.resident_id, func.max(Visit.visited_on))
                .where(visit_where, recent, Visit.resident_id.is_not(None))
                .group_by(Visit.resident_id)
            )
        ).all()
    )
    by_household = dict(
        (
            await session.execute(
                select(Visit.grid_code + "|" + Visit.household_no, func.max(Visit.visited_on))
                .where(visit_where, recent, Visit.household_no.is_not(None))
                .group_by(Visit.grid_code, Visit.household_no)
            )
        ).all()
    )
    patrols = dict(
        (
            await session.execute(
                select(Visit.grid_code, func.max(Visit.visited_on))
                .where(visit_where, recent, Visit.kind == "patrol")
                .group_by(Visit.grid_code)
            )
        ).all()
    )

    out: list[Due] = []
    for code, township, created in grids:
        township = township or code[:9] + "000"
        o = rules.obligation(
            visit_rules.patrol_period, today, last_visit=patrols.get(code), since=since_of(created), cal=cal
        )
        out.append(Due(code, township, "patrol", "patrol", visit_rules.patrol_period, o.state, o.due_on, o.last_visit))
    households: dict[tuple[str, str], tuple[str, dt.date, str, str]] = {}
    for rid, grid, township, name, household, groups, created, lives_since in people:
        since = min(since_of(created), lives_since) if lives_since else since_of(created)
        key = (grid, household)
        if key not in households or since < households[key][1]:
            households[key] = (township, since, rid, name)
        rule = visit_rules.person_rule(groups or ())
        if rule is None:
            continue
        group, period = rule
        o = rules.obligation(period, today, last_visit=by_person.get(rid), since=since, cal=cal)
        out.append(Due(grid, township, "person", group, period, o.state, o.due_on, o.last_visit, rid, name, household))
    period = visit_rules.household_period
    for (grid, household), (township, since, _rid, _name) in households.items():
        o = rules.obligation(period, today, last_visit=by_household.get(f"{grid}|{household}"), since=since, cal=cal)
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
) -> list[Visit]:
    stmt = select(Visit).where(scope_clause)
    if grid_code is not None:
        stmt = stmt.where(Visit.grid_code == grid_code)
    if worker_id is not None:
        stmt = stmt.where(Visit.worker_id == worker_id)
    if day is not None:
        stmt = stmt.where(Visit.visited_on == day)
    return list((await session.scalars(stmt.order_by(Visit.visited_at.desc(), Visit.id).limit(limit))).all())
