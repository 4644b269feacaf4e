"""Use cases of incidents: report one, read them, follow the ticket that handles them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

from sqlalchemy import (
    Insert,
    Select,
    Update,
    bindparam,
    case,
    cast,
    exists,
    func,
    insert,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from grid.areas.queries import GRID_NAMED, locate, named_grid, predecessors
from grid.categories.models import KnownCategory
from grid.incidents import rules
from grid.incidents.models import Incident, IncidentStep
from grid.incidents.schemas import IncidentCreate
from jiceng_shared.contracts.common import GeoPoint
from jiceng_shared.contracts.grid import AttachmentMeta, IncidentReported
from jiceng_shared.db import for_the_driver, new_id, run_compiled
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
    # the grid named and whether its category is open, read together; on PostgreSQL as the driver's
    # SQL (compiled once): through the session, the statement's execution cost more of the request's
    # CPU than anything else in it (its JSON column is decoded by the driver there anyway)
    lookup = {"code": body.grid_code, "at": now, "category": body.category}
    found = (await run_compiled(session, _GRID_AND_CATEGORY, lookup)).first()
    if found is None:
        raise Problem(422, "unknown_grid", "Invalid request", f"grid_code: no grid {body.grid_code}")
    # the grid is the one in force at the report's instant that holds the point: after a split,
    # a report naming the old grid lands in the part it lies in
    named = named_grid(found)
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
        category_open=bool(found.category_open),
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
    if session.get_bind().dialect.name == "postgresql":
        # one statement: lock the ticket's incidents, move them and write their steps (below)
        move = for_the_driver(_move_of(tuple(fields)), session.get_bind().dialect)
        params = {
            "ticket_id": ticket_id,
            "source_ref": source_ref,
            "ticket_number": ticket_number,
            "at": at,
            "status": status or None,  # no status (or an empty one): the incident keeps its own
            "note": note,
            **{f"new_{k}": v for k, v in fields.items()},
        }
        if session.new or session.dirty or session.deleted:
            await session.flush()  # as session.execute would (its autoflush)
        await (await session.connection()).exec_driver_sql(move.sql, move.args(params))
        return
    # Core statements built once (below), not ORM loads: this runs for every ticket event of every
    # incident, and the handler needs four columns of each row, not the incident object.
    # The ticket's events arrive close together (created, assigned) and are handled concurrently:
    # lock the incidents (in id order, so two events never wait on each other) and read their
    # latest committed version, instead of losing the optimistic-lock race and redoing the event
    ticket = {"ticket_id": ticket_id, "source_ref": source_ref} if source_ref else {"ticket_id": ticket_id}
    rows = (await session.execute(_LOCK_OF_TICKET[bool(source_ref)], ticket)).all()
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
        new_steps.append(
            {"id": new_id(), "incident_id": row.id, "at": at, "status": status or row.status, "note": note}
        )
        await session.execute(
            _update_of(tuple(values)), {"row_id": row.id, **{f"new_{k}": v for k, v in values.items()}}
        )
    if new_steps:
        # one row (the usual case) is one execution, not an executemany
        await session.execute(_INSERT_STEP, new_steps[0] if len(new_steps) == 1 else new_steps)


_INCIDENTS, _STEPS = Incident.__table__, IncidentStep.__table__
_CATEGORIES = KnownCategory.__table__

#: the grid a report names (areas.queries.GRID_NAMED) and whether its category takes new matters
#: (as categories.is_open_category): one round trip instead of two, built once
_GRID_AND_CATEGORY = GRID_NAMED.add_columns(
    exists().where(_CATEGORIES.c.code == bindparam("category"), _CATEGORIES.c.retired.is_(False)).label("category_open")
)


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
_UPDATES: dict[tuple[str, ...], Update] = {}
_MOVES: dict[tuple[str, ...], Insert] = {}


def _move_of(fields: tuple[str, ...]) -> Insert:
    """PostgreSQL: a ticket event applied to its incidents in one statement, per set of ``fields``
    (parameters ``new_<field>``); what the SELECT and the UPDATE of the other path do, in SQL.

    The incidents are locked in id order first (two events of one ticket never wait on each other),
    and the UPDATE computes from the row's latest committed version (read committed re-reads a row
    a concurrent event changed): the ticket's id and number always, status and ``fields`` only for
    an event not older than the last one applied. Each incident moved gets its step (a fresh UUID,
    the format of ``new_id``), with the event's status, or the incident's when the event has none.
    """
    stmt = _MOVES.get(fields)
    if stmt is None:
        incidents = _INCIDENTS
        at = bindparam("at", type_=incidents.c.last_event_at.type)
        status = bindparam("status", type_=incidents.c.status.type)
        newer = or_(incidents.c.last_event_at.is_(None), at >= incidents.c.last_event_at)
        locked = (
            select(incidents.c.id)
            .where(or_(incidents.c.ticket_id == bindparam("ticket_id"), incidents.c.id == bindparam("source_ref")))
            .order_by(incidents.c.id)
            .with_for_update()
            .cte("locked")
        )
        changes: dict[str, Any] = {
            "ticket_id": bindparam("ticket_id", type_=incidents.c.ticket_id.type),
            "ticket_number": bindparam("ticket_number", type_=incidents.c.ticket_number.type),
            "updated_at": func.greatest(incidents.c.updated_at, at),
            "last_event_at": case((newer, at), else_=incidents.c.last_event_at),
            "status": case((newer, func.coalesce(status, incidents.c.status)), else_=incidents.c.status),
            **{
                f: case((newer, bindparam(f"new_{f}", type_=incidents.c[f].type)), else_=incidents.c[f]) for f in fields
            },
            # a literal, not a parameter: the driver's arguments are the event's values only
            "version": incidents.c.version + literal_column("1"),
        }
        moved = (
            update(incidents)
            .where(incidents.c.id == locked.c.id)
            .values(changes)
            .returning(incidents.c.id, incidents.c.status)
            .cte("moved")
        )
        steps = select(
            cast(func.gen_random_uuid(), _STEPS.c.id.type),
            moved.c.id,
            at,
            func.coalesce(status, moved.c.status),
            bindparam("note", type_=_STEPS.c.note.type),
        )
        stmt = _MOVES[fields] = insert(_STEPS).from_select(["id", "incident_id", "at", "status", "note"], steps)
    return stmt


def _update_of(columns: tuple[str, ...]) -> Update:
    """The UPDATE of one incident setting ``columns`` (parameters ``new_<column>``), per set of columns."""
    stmt = _UPDATES.get(columns)
    if stmt is None:
        incidents = _INCIDENTS
        stmt = _UPDATES[columns] = (
            update(incidents)
            .where(incidents.c.id == bindparam("row_id"))
            .values({c: bindparam(f"new_{c}", type_=incidents.c[c].type) for c in columns})
            .values(version=incidents.c.version + 1)
        )
    return stmt
