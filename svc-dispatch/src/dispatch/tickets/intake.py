"""Where tickets come from: grid incidents (with duplicates merged, 并单) and the intake of
department systems, the 12345 hotline and the centre."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Row, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.categories.models import Category
from dispatch.db import serialize_on
from dispatch.tickets import rules
from dispatch.tickets.models import Ticket, TicketReport
from dispatch.tickets.schemas import TicketIntake
from dispatch.tickets.service import OPENING, Actor, Env, NewReport, add_step, open_ticket, report_row
from jiceng_shared import county, personaldata
from jiceng_shared.contracts import dispatch as contracts
from jiceng_shared.contracts.grid import IncidentReported
from jiceng_shared.db import run_compiled
from jiceng_shared.errors import FieldErrors, Problem, permission_denied, scope_denied
from jiceng_shared.events import CloudEvent
from jiceng_shared.identity import Principal, area_level
from jiceng_shared.outbox import emit

INTAKE = "dispatch.ticket.intake"
#: the department code of the 12345 hotline platform: what it posts is a hotline ticket
HOTLINE_DEPT = "h12345"


# --- grid incidents and duplicates ------------------------------------------------------------


#: the open tickets of a township's category reported within a window, built once (asked for
#: every incident): their id, place and time, which is all the choice needs
_OPEN_NEARBY = select(Ticket.id, Ticket.location, Ticket.reported_at).where(
    Ticket.township_code == bindparam("township_code"),
    Ticket.category == bindparam("category"),
    Ticket.status.in_(rules.OPEN_STATUSES),
    Ticket.reported_at >= bindparam("since"),
    Ticket.reported_at <= bindparam("until"),
)
#: ... and only those near the point (its lng/lat are set with its location; a ticket without a
#: place has none and is never a match), not every open one of the township's category
_OPEN_IN_BOX = _OPEN_NEARBY.where(
    Ticket.lng.between(bindparam("west"), bindparam("east")),
    Ticket.lat.between(bindparam("south"), bindparam("north")),
)


async def find_duplicate(
    session: AsyncSession,
    *,
    category: str,
    township_code: str,
    point: tuple[float, float],
    reported_at: dt.datetime,
    env: Env,
) -> Ticket | None:
    """The nearest open ticket of the same category in the township, within the radius and the window."""
    r = env.rules
    if r.duplicate_radius_meters <= 0 or r.duplicate_window_hours <= 0:
        return None
    window = dt.timedelta(hours=r.duplicate_window_hours)
    params: dict[str, object] = {
        "township_code": township_code,
        "category": category,
        "since": reported_at - window,
        "until": reported_at + window,
    }
    box = rules.near_box(point, r.duplicate_radius_meters)
    if box is not None:
        params.update(west=box[0], south=box[1], east=box[2], north=box[3])
    candidates = (await session.execute(_OPEN_IN_BOX if box is not None else _OPEN_NEARBY, params)).all()
    # a ticket without a place (a call without an address) is never the same matter; filtered here
    # because the JSON column keeps a missing location as JSON null, which IS NOT NULL lets through
    matches = [
        (rules.distance_meters(point, tuple(t.location["coordinates"])), t.id)
        for t in candidates
        if t.location
        and rules.is_duplicate(
            point=point,
            reported_at=reported_at,
            open_point=tuple(t.location["coordinates"]),
            open_reported_at=t.reported_at,
            radius_meters=r.duplicate_radius_meters,
            window_hours=r.duplicate_window_hours,
        )
    ]
    if not matches:
        return None
    return await session.get_one(Ticket, min(matches, key=lambda m: m[0])[1])


async def find_same_caller(
    session: AsyncSession, *, township_code: str, phone: str, point: tuple[float, float], env: Env
) -> Ticket | None:
    """The same caller about the same place (并单, 国办函〔2025〕66号): an open ticket of the township
    from the same phone number within the window and the radius, whatever category it was given."""
    r = env.rules
    window = dt.timedelta(hours=r.duplicate_window_hours)
    candidates = (
        await session.scalars(
            select(Ticket).where(
                Ticket.township_code == township_code,
                Ticket.caller_phone_hash.in_(personaldata.lookups(phone)),
                Ticket.status.in_(rules.OPEN_STATUSES),
                Ticket.reported_at >= env.now - window,
            )
        )
    ).all()
    for ticket in sorted(candidates, key=lambda t: t.reported_at, reverse=True):
        if ticket.location and rules.is_duplicate(
            point=point,
            reported_at=env.now,
            open_point=tuple(ticket.location["coordinates"]),
            open_reported_at=ticket.reported_at,
            radius_meters=r.duplicate_radius_meters,
            window_hours=r.duplicate_window_hours,
        ):
            return ticket
    return None


#: the ticket an incident already belongs to (its report's key is unique), with what opening a
#: ticket reads: one round trip, as an incident is new nearly always; built once (asked for every incident)
_KNOWN_AND_OPENING = OPENING.add_columns(
    select(TicketReport.ticket_id)
    .where(
        TicketReport.source == "grid",
        TicketReport.origin == "grid",
        TicketReport.source_ref == bindparam("incident_id"),
    )
    .scalar_subquery()
    .label("known")
)


async def _read_known_and_opening(session: AsyncSession, params: dict[str, Any]) -> Row[Any]:
    return (await run_compiled(session, _KNOWN_AND_OPENING, params)).one()


async def receive_incident(session: AsyncSession, event: CloudEvent, env: Env) -> Ticket:
    """One incident ends linked to exactly one ticket: a new one, or the open one it duplicates."""
    p: IncidentReported = event.payload(IncidentReported)
    if env.rules.duplicate_radius_meters > 0 and env.rules.duplicate_window_hours > 0:
        # reports of one township and category are taken one at a time, so two duplicates arriving
        # together cannot both open a ticket (without merging, the unique report key is enough)
        await serialize_on(session, f"dispatch-intake:{p.township_code}:{p.category}")
    read = await _read_known_and_opening(session, {"incident_id": p.incident_id, "code": p.category, "at": env.now})
    if read.known is not None:  # the same incident announced again (another event id): nothing to do
        return await session.get_one(Ticket, read.known)
    report = NewReport(
        source="grid",
        origin="grid",
        source_ref=p.incident_id,
        number=p.number,
        category=p.category,
        description=p.description,
        location=p.location.model_dump(),
        township_code=p.township_code,
        area_code=p.grid_code,
        reporter_id=p.reporter_id,
        reported_at=p.reported_at,
        correlation_id=event.correlationid,
    )
    actor = Actor.of_event(event)
    duplicate = await find_duplicate(
        session,
        category=p.category,
        township_code=p.township_code,
        point=tuple(p.location.coordinates),
        reported_at=p.reported_at,
        env=env,
    )
    if duplicate is None:
        return await open_ticket(session, report, env, actor, event_id=event.id, opening=read)
    await merge(session, duplicate, report, env, actor, event_id=event.id)
    return duplicate


async def merge(
    session: AsyncSession, ticket: Ticket, report: NewReport, env: Env, actor: Actor, *, event_id: str | None
) -> None:
    """并单: record the report on the open ticket; no new ticket, no second dispatch."""
    session.add(report_row(ticket, report, env.now, merged=True))
    ticket.updated_at = env.now
    label = rules.SOURCE_LABELS[report.source] + (f" {report.number}" if report.number else "")
    add_step(session, ticket, "merged", f"{label} 与本工单为同一事项，并单处理", env.now, actor, event_id=event_id)
    await session.flush()
    await emit(
        session,
        contracts.TicketMerged(
            ticket_id=ticket.id,
            number=ticket.number,
            category=ticket.category,
            township_code=ticket.township_code,
            area_code=ticket.area_code,
            unit=ticket.unit,
            source=report.source,
            source_ref=report.source_ref,
            ticket_source=ticket.source,
            ticket_source_ref=ticket.source_ref,
            merged_at=env.now,
        ),
        subject=ticket.id,
        township=ticket.township_code,
        correlation_id=report.correlation_id or ticket.correlation_id,  # the merged report's own journey
    )


# --- intake by department systems and the centre ----------------------------------------------


async def intake(
    session: AsyncSession, principal: Principal, body: TicketIntake, env: Env, *, source: str | None = None
) -> tuple[Ticket, bool]:
    """Register a matter posted through the API; returns the ticket and whether it is new.

    ``source``: the channel when the poster's department does not tell it (``open311``)."""
    covering = [b for b in principal.bindings_for(INTAKE) if body.township_code.startswith(b.prefix)]
    if not covering:
        if not principal.can(INTAKE):
            raise permission_denied(INTAKE)
        raise scope_denied(f"you may not register matters for township {body.township_code}")
    intake_dept = covering[0].dept
    errors = FieldErrors()
    known = await session.get(Category, body.category)
    if known is None or known.retired_at is not None:
        errors.add("category", "unknown_category", f"{body.category!r} is not a category of GET /categories")
    if area_level(body.township_code) != "township" or county.current().township(body.township_code) is None:
        errors.add("township_code", "unknown_township", f"{body.township_code} is not a township of the county")
    errors.raise_if_any()

    if source is None:
        source = "hotline" if intake_dept == HOTLINE_DEPT else "department" if intake_dept else "centre"
    origin = intake_dept or "centre"
    if body.external_ref is not None:
        known = await session.scalar(
            select(TicketReport).where(
                TicketReport.source == source,
                TicketReport.origin == origin,
                TicketReport.source_ref == body.external_ref,
            )
        )
        if known is not None:  # the caller's system posted the same call again: same ticket
            return await session.get_one(Ticket, known.ticket_id), False
    merging = env.rules.duplicate_radius_meters > 0 and env.rules.duplicate_window_hours > 0
    if merging:  # one report of a township at a time (a same-caller duplicate may be of any category)
        await serialize_on(session, f"dispatch-intake:{body.township_code}")
    report = NewReport(
        source=source,
        origin=origin,
        source_ref=body.external_ref,
        number=body.external_ref,
        category=body.category,
        description=body.description,
        location=body.location.model_dump() if body.location else None,
        township_code=body.township_code,
        area_code=body.township_code,
        reporter_id=principal.subject,
        reported_at=env.now,
        correlation_id=None,
        intake_dept=intake_dept,
        caller_name=body.caller.name if body.caller else None,
        caller_phone=body.caller.phone if body.caller else None,
    )
    duplicate = None
    if merging and report.location is not None:
        duplicate = await find_duplicate(
            session,
            category=body.category,
            township_code=body.township_code,
            point=tuple(report.location["coordinates"]),
            reported_at=env.now,
            env=env,
        )
    if merging and duplicate is None and report.caller_phone and report.location is not None:
        duplicate = await find_same_caller(
            session,
            township_code=body.township_code,
            phone=report.caller_phone,
            point=tuple(report.location["coordinates"]),
            env=env,
        )
    if duplicate is not None:  # 并单: the same matter from any channel joins the open ticket
        try:
            await merge(session, duplicate, report, env, Actor.of(principal), event_id=None)
        except IntegrityError:
            raise Problem(
                409, "duplicate_request", "Already registered", f"external_ref {body.external_ref} is being registered"
            ) from None
        return duplicate, False
    try:
        ticket = await open_ticket(session, report, env, Actor.of(principal))
        await session.flush()
    except IntegrityError:
        raise Problem(
            409,
            "duplicate_request",
            "Already registered",
            f"external_ref {body.external_ref} is being registered by another request",
        ) from None
    return ticket, True
