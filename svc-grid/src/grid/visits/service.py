"""Use cases of visits: record one (own grid, or as the B post of an absent A), turn what it found
into an incident, and publish each missed obligation once (the overdue scan)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from grid.areas.models import Area
from grid.incidents import service as incidents
from grid.incidents.models import Incident
from grid.incidents.schemas import IncidentCreate
from grid.residents.models import Resident
from grid.roster import service as roster
from grid.visits import queries, rules
from grid.visits.models import OverdueNotice, Visit
from grid.visits.schemas import VisitCreate, VisitIncident
from jiceng_shared.contracts.grid import VisitOverdue, VisitRecorded
from jiceng_shared.db import new_id
from jiceng_shared.errors import FieldErrors, not_found
from jiceng_shared.geo import point_in_polygon
from jiceng_shared.identity import Principal
from jiceng_shared.outbox import emit
from jiceng_shared.schemas import PointIn
from jiceng_shared.service import ServiceContext
from jiceng_shared.workdays import WorkdayCalendar

RECORD = "grid.visit.record"
READ = queries.READ
SCAN = "grid.visit.scan"


def rules_of(settings: Any) -> rules.VisitRules:
    return rules.VisitRules(
        patrol_period=settings.patrol_period,
        weekly_groups=frozenset(settings.weekly_visit_groups),
        weekly_period=settings.weekly_visit_period,
        monthly_groups=frozenset(settings.monthly_visit_groups),
        monthly_period=settings.monthly_visit_period,
        household_period=settings.household_visit_period,
    )


async def record(
    session: AsyncSession,
    principal: Principal,
    body: VisitCreate,
    *,
    now: dt.datetime,
    cal: WorkdayCalendar,
    attachment_max_bytes: int,
) -> Visit:
    acting = await roster.acting_on(session, principal, RECORD, body.grid_code, cal.local_date(now))
    grid = await session.get(Area, acting.grid_code)
    assert grid is not None
    errors = FieldErrors()
    if body.visited_at > now:
        errors.add("visited_at", "visited_in_future", "a visit cannot be recorded before it happened")
    household = body.household_no
    if body.resident_id is not None:
        resident = await session.scalar(
            select(Resident).where(Resident.id == body.resident_id, Resident.grid_code == grid.code)
        )
        if resident is None:
            errors.add("resident_id", "unknown_resident", "no such resident in this grid")
        elif household is None:
            household = resident.household_no
        elif household != resident.household_no:
            errors.add("household_no", "household_mismatch", "the resident belongs to another household")
    elif household is not None:
        exists = await session.scalar(
            select(Resident.id).where(Resident.grid_code == grid.code, Resident.household_no == household).limit(1)
        )
        if exists is None:
            errors.add("household_no", "unknown_household", "no such household in this grid")
    if body.kind == "home_visit" and body.resident_id is None and body.household_no is None:
        errors.add("resident_id", "visit_target_missing", "a home visit names the resident or the household visited")
    for i, a in enumerate(body.attachments):
        if a.size > attachment_max_bytes:
            errors.add(f"attachments.{i}.size", "attachment_too_large", f"{a.size} bytes > {attachment_max_bytes}")
    errors.raise_if_any()

    covering_for = None
    if acting.covering:
        absent = await roster.full_time_worker(session, grid.code, cal.local_date(now))
        covering_for = absent.worker_id if absent else None
    visit = Visit(
        id=new_id(),
        grid_code=grid.code,
        township_code=acting.township_code,
        kind=body.kind.value,
        resident_id=body.resident_id,
        household_no=household,
        visited_at=body.visited_at,
        visited_on=cal.local_date(body.visited_at),
        location=body.location.model_dump(),
        outside_grid=grid.polygon is None or not point_in_polygon(body.location.coordinates, grid.polygon),
        found=body.found,
        done=body.done,
        attachments=[a.model_dump() for a in body.attachments],
        worker_id=principal.subject,
        worker_name=principal.name,
        covering_for=covering_for,
        created_at=now,
    )
    session.add(visit)
    await emit(
        session,
        VisitRecorded(
            visit_id=visit.id,
            grid_code=visit.grid_code,
            township_code=visit.township_code,
            worker_id=visit.worker_id,
            resident_id=visit.resident_id,
            kind=visit.kind,
            visited_at=visit.visited_at,
            household_no=visit.household_no,
            covering_for=visit.covering_for,
            outside_grid=visit.outside_grid,
        ),
        subject=visit.id,
        township=visit.township_code,
    )
    await session.flush()
    return visit


async def visible_visit(session: AsyncSession, principal: Principal, visit_id: str, today: dt.date) -> Visit:
    covered = await roster.covered_grids(session, principal, today)
    visit = await session.scalar(select(Visit).where(Visit.id == visit_id, queries.readable(principal, covered)))
    if visit is None:
        raise not_found("visit", visit_id)
    return visit


async def to_incident(
    session: AsyncSession,
    principal: Principal,
    visit_id: str,
    body: VisitIncident,
    *,
    now: dt.datetime,
    cal: WorkdayCalendar,
    attachment_max_bytes: int,
) -> Incident:
    """The problem a visit found becomes an incident (the visit's point, photos and findings)."""
    visit = await visible_visit(session, principal, visit_id, cal.local_date(now))
    await roster.acting_on(session, principal, incidents.REPORT, visit.grid_code, cal.local_date(now))
    if visit.incident_id is not None:
        from jiceng_shared.errors import Problem

        raise Problem(409, "incident_already_reported", "Already reported", f"incident {visit.incident_id}")
    incident = await incidents.report(
        session,
        principal,
        IncidentCreate(
            category=body.category,
            description=body.description or visit.found or "走访发现问题",
            grid_code=visit.grid_code,
            location=PointIn(**visit.location),
            attachments=visit.attachments,
        ),
        attachment_max_bytes=attachment_max_bytes,
        now=now,
        authorised=True,
    )
    visit.incident_id = incident.id
    await session.flush()
    return incident


# --- the overdue scan ----------------------------------------------------------------------------


async def publish_overdue(session: AsyncSession, ctx: ServiceContext, township_code: str) -> int:
    """Publish ``grid.visit.overdue`` once for every missed patrol, person and household obligation of a
    township."""
    now = ctx.now()
    today = ctx.calendar.local_date(now)
    overdue = await queries.township_overdue(
        session, today=today, visit_rules=rules_of(ctx.settings), cal=ctx.calendar, township_code=township_code
    )
    if not overdue:
        return 0
    known = set(
        (
            await session.execute(
                select(OverdueNotice.subject_key, OverdueNotice.group, OverdueNotice.due_on).where(
                    OverdueNotice.due_on.in_(sorted({d.due_on for d in overdue})),
                    OverdueNotice.grid_code.in_(sorted({d.grid_code for d in overdue})),
                )
            )
        ).all()
    )
    workers: dict[tuple[str, dt.date], str | None] = {}
    sent = 0
    for d in overdue:
        if (d.key, d.group, d.due_on) in known:
            continue
        if (d.grid_code, d.due_on) not in workers:
            entry = await roster.full_time_worker(session, d.grid_code, d.due_on)
            workers[(d.grid_code, d.due_on)] = entry.worker_id if entry else None
        resident_id = d.resident_id
        if d.subject == "household":
            resident_id = await queries.household_representative(session, d.grid_code, d.household_no or "")
        session.add(
            OverdueNotice(subject_key=d.key, group=d.group, due_on=d.due_on, grid_code=d.grid_code, published_at=now)
        )
        await emit(
            session,
            VisitOverdue(
                grid_code=d.grid_code,
                township_code=d.township_code,
                worker_id=workers[(d.grid_code, d.due_on)],
                subject=d.subject,
                resident_id=resident_id,
                group=d.group,
                due_on=d.due_on,
                household_no=d.household_no,
                period=d.period,
            ),
            subject=d.key,
            township=d.township_code,
        )
        sent += 1
    await session.flush()
    return sent


async def scan(ctx: ServiceContext) -> int:
    """One pass over every township; returns how many overdue notices were published."""
    async with ctx.db.session() as session:
        townships = (await session.scalars(select(Area.code).where(Area.level == "township"))).all()
    total = 0
    for township in townships:
        async with ctx.db.transaction() as session:
            # one pass per township at a time, across replicas
            await session.execute(select(Area.code).where(Area.code == township).with_for_update())
            total += await publish_overdue(session, ctx, township)
    return total
