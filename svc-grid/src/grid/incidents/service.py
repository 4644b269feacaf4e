"""Use cases of incidents: report one, read them, follow the ticket that handles them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

from sqlalchemy import Select, Update, bindparam, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from grid.areas.queries import grid_named, locate, predecessors
from grid.categories import service as categories
from grid.incidents import rules
from grid.incidents.models import Incident, IncidentStep
from grid.incidents.schemas import IncidentCreate
from jiceng_shared.contracts.common import GeoPoint
from jiceng_shared.contracts.grid import AttachmentMeta, IncidentReported
from jiceng_shared.db import new_id
from jiceng_shared.errors import Problem, not_found
from jiceng_shared.identity import Principal
from jiceng_shared.numbers import business_number
from jiceng_shared.outbox import emit, new_rows_of
from jiceng_shared.pagination import paginate, where_equal
from jiceng_shared.scope import require_scope, scope_filter
from jiceng_shared.workdays import COUNTY_ZONE

REPORT = "grid.incident.report"
READ = "grid.incident.read"


def _step(incident: Incident, status: str, note: str, at: dt.datetime) -> IncidentStep:
    return IncidentStep(id=new_id(), incident_id=incident.id, at=at, status=status, note=note)


async def report(
    session: AsyncSession,
    principal: Principal,
    body: IncidentCreate,
    *,
    attachment_max_bytes: int,
    now: dt.datetime,
    authorised: bool = False,
) -> Incident:
    """``authorised``: the caller's right on the grid was checked already (a B post covering an absent A)."""
    named = await grid_named(session, body.grid_code, now)
    if named is None:
        raise Problem(422, "unknown_grid", "Invalid request", f"grid_code: no grid {body.grid_code}")
    # the grid is the one in force at the report's instant that holds the point: after a split,
    # a report naming the old grid lands in the part it lies in
    point = body.location.coordinates
    grid = await locate(session, named, point, now)
    # the reporter must be a grid worker of that grid (A or B post), or of a grid it replaced
    # (split or merged) until the roster names them on the new one
    if authorised:
        pass
    elif grid is None:
        require_scope(principal, REPORT, named.code)
    elif not principal.covers(REPORT, grid.code):
        replaced = await predecessors(session, grid.code)
        if not any(principal.covers(REPORT, code) for code in replaced):
            require_scope(principal, REPORT, grid.code)
    errors = rules.check_report(
        category_open=await categories.is_open_category(session, body.category),
        category=body.category,
        point_inside=grid is not None,
        attachment_sizes=[a.size for a in body.attachments],
        attachment_max_bytes=attachment_max_bytes,
    )
    errors.raise_if_any()
    assert grid is not None

    incident_id = new_id()
    incident = Incident(
        id=incident_id,
        number=await business_number(session, "SJ", grid.township_code or grid.code, now.astimezone(COUNTY_ZONE).year),
        category=body.category,
        description=body.description,
        location=body.location.model_dump(),
        grid_code=grid.code,
        township_code=grid.township_code or grid.code[:9] + "000",
        reporter_id=principal.subject,
        reporter_name=principal.name,
        attachments=[a.model_dump() for a in body.attachments],
        status="reported",
        ticket_id=None,
        ticket_number=None,
        handling_unit=None,
        outcome=None,
        correlation_id=incident_id,  # the incident starts the journey
        last_event_at=None,
        created_at=now,
        updated_at=now,
        closed_at=None,
        version=1,
    )
    step = _step(incident, "reported", f"{principal.name} 上报", now)
    # the new incident and its first step are written in their final state with the event (one
    # statement on PostgreSQL), not through the session's unit of work: nothing changes them
    # later in the request, and the incident object only shapes the answer
    await emit(
        session,
        IncidentReported(
            incident_id=incident.id,
            number=incident.number,
            category=incident.category,
            description=incident.description,
            location=GeoPoint(coordinates=body.location.coordinates),
            grid_code=incident.grid_code,
            township_code=incident.township_code,
            reporter_id=incident.reporter_id,
            attachments=[AttachmentMeta(**a.model_dump()) for a in body.attachments],
            reported_at=now,
        ),
        subject=incident.id,
        township=incident.township_code,
        correlation_id=incident.correlation_id,
        together_with=new_rows_of(incident, step),
    )
    return incident


async def list_incidents(
    session: AsyncSession,
    principal: Principal,
    *,
    status: str | None,
    grid_code: str | None,
    category: str | None,
    correlation_id: str | None,
    limit: int,
    cursor: str | None,
    covered: Collection[str] = frozenset(),
) -> list[Incident]:
    """``covered``: grids the caller covers today as the B post of an absent A (002 art. 22)."""
    clause = scope_filter(principal, READ, Incident.grid_code)
    if covered and principal.can(READ):
        clause = or_(clause, Incident.grid_code.in_(sorted(covered)))
    stmt = select(Incident).where(clause)
    stmt = where_equal(
        stmt,
        (
            (Incident.status, status),
            (Incident.grid_code, grid_code),
            (Incident.category, category),
            (Incident.correlation_id, correlation_id),
        ),
    )
    stmt = paginate(stmt, Incident.created_at, Incident.id, limit=limit, cursor=cursor)
    return list((await session.scalars(stmt)).all())


async def get_incident(
    session: AsyncSession, principal: Principal, incident_id: str
) -> tuple[Incident, list[IncidentStep]]:
    incident = await session.scalar(
        select(Incident).where(Incident.id == incident_id, scope_filter(principal, READ, Incident.grid_code))
    )
    if incident is None:
        raise not_found("incident", incident_id)
    steps = (
        await session.scalars(
            select(IncidentStep).where(IncidentStep.incident_id == incident.id).order_by(IncidentStep.at)
        )
    ).all()
    return incident, list(steps)


async def apply_ticket_event(
    session: AsyncSession,
    *,
    ticket_id: str,
    source_ref: str | None,
    at: dt.datetime,
    status: str | None,
    note: str,
    ticket_number: str,
    **fields: Any,
) -> None:
    """Move every incident the ticket handles: the one that opened it, and those merged into it (并单).

    Events may arrive out of order: the ticket's id and number are facts kept whenever they
    come; status and the other fields follow only events newer than the last one applied.
    """
    # Core statements built once (below), not ORM loads: this runs for every ticket event of every
    # incident, and the handler needs four columns of each row, not the incident object.
    # The ticket's events arrive close together (created, assigned) and are handled concurrently:
    # lock the incidents (in id order, so two events never wait on each other) and read their
    # latest committed version, instead of losing the optimistic-lock race and redoing the event
    ticket = {"ticket_id": ticket_id, "source_ref": source_ref} if source_ref else {"ticket_id": ticket_id}
    rows = (await session.execute(_LOCK_OF_TICKET[bool(source_ref)], ticket)).all()
    # on PostgreSQL each incident's step is written by its UPDATE (an INSERT in its WITH clause):
    # one round trip per incident instead of two; SQLite has no INSERT in WITH
    together = session.get_bind().dialect.name == "postgresql"
    new_steps = []
    for row in rows:
        # the change happened when the ticket moved (the event's time, by dispatch's clock);
        # the version moves as the ORM's optimistic lock expects of every write of the row
        values: dict[str, Any] = {
            "ticket_id": ticket_id,
            "ticket_number": ticket_number,
            "updated_at": max(row.updated_at, at),
        }
        if row.last_event_at is None or at >= row.last_event_at:
            values["last_event_at"] = at
            if status:
                values["status"] = status
            values.update(fields)
        step = {"id": new_id(), "incident_id": row.id, "at": at, "status": status or row.status, "note": note}
        params = {"row_id": row.id, **{f"new_{k}": v for k, v in values.items()}}
        if together:
            params.update({f"step_{k}": v for k, v in step.items()})
        else:
            new_steps.append(step)
        await session.execute(_update_of(tuple(values), with_step=together), params)
    if new_steps:
        # one row (the usual case) is one execution, not an executemany
        await session.execute(_INSERT_STEP, new_steps[0] if len(new_steps) == 1 else new_steps)


_INCIDENTS, _STEPS = Incident.__table__, IncidentStep.__table__


def _lock_of_ticket(with_source: bool) -> Select[Any]:
    """The incidents a ticket handles, locked in id order (and the one that opened it, if named)."""
    incidents = _INCIDENTS
    handled = incidents.c.ticket_id == bindparam("ticket_id")
    if with_source:
        handled = or_(handled, incidents.c.id == bindparam("source_ref"))
    return (
        select(incidents.c.id, incidents.c.status, incidents.c.last_event_at, incidents.c.updated_at)
        .where(handled)
        .order_by(incidents.c.id)
        .with_for_update()
    )


#: statements built once: one built per event was built and its cache key computed every time
_LOCK_OF_TICKET = {flag: _lock_of_ticket(flag) for flag in (False, True)}
_INSERT_STEP = insert(_STEPS)
_UPDATES: dict[tuple[tuple[str, ...], bool], Update] = {}


def _update_of(columns: tuple[str, ...], *, with_step: bool) -> Update:
    """The UPDATE of one incident setting ``columns`` (parameters ``new_<column>``), per set of
    columns; ``with_step``: and the INSERT of its step (parameters ``step_<column>``) in its WITH clause."""
    stmt = _UPDATES.get((columns, with_step))
    if stmt is None:
        incidents = _INCIDENTS
        stmt = (
            update(incidents)
            .where(incidents.c.id == bindparam("row_id"))
            .values({c: bindparam(f"new_{c}", type_=incidents.c[c].type) for c in columns})
            .values(version=incidents.c.version + 1)
        )
        if with_step:
            step = {c.key: bindparam(f"step_{c.key}", type_=c.type) for c in _STEPS.c}
            stmt = stmt.add_cte(insert(_STEPS).values(step).cte("new_step"))
        _UPDATES[(columns, with_step)] = stmt
    return stmt
