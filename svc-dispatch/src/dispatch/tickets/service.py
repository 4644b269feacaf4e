"""Use cases of tickets: open one (from a grid incident or an intake), route it, merge duplicates,
and the actions of the unit and the centre. Each runs in the caller's transaction and writes its
events to the outbox in that same transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from jiceng_shared import demo, units
from jiceng_shared.categories import CATEGORY_BY_CODE
from jiceng_shared.contracts import dispatch as contracts
from jiceng_shared.contracts.common import GeoPoint, UnitRef
from jiceng_shared.contracts.grid import IncidentReported
from jiceng_shared.db import new_id
from jiceng_shared.errors import FieldErrors, Problem, permission_denied, scope_denied
from jiceng_shared.events import CloudEvent, EventPayload
from jiceng_shared.identity import Principal, area_level, area_prefix
from jiceng_shared.numbers import business_number
from jiceng_shared.observability import request_id_var
from jiceng_shared.outbox import emit
from jiceng_shared.scope import require_scope
from jiceng_shared.service import ServiceContext
from jiceng_shared.workdays import COUNTY_ZONE, WorkdayCalendar

from dispatch import clock
from dispatch.categories.models import Category
from dispatch.db import serialize_on
from dispatch.responsibilities import rules as responsibility_rules
from dispatch.responsibilities import service as responsibilities
from dispatch.tickets import rules
from dispatch.tickets.models import Ticket, TicketReport, TicketStep
from dispatch.tickets.queries import load_for_action
from dispatch.tickets.schemas import TicketIntake

INTAKE = "dispatch.ticket.intake"
FEEDBACK = "dispatch.ticket.feedback"
RETURN = "dispatch.ticket.return"
REASSIGN = "dispatch.ticket.reassign"
VERIFY = "dispatch.ticket.verify"
#: the department code of the 12345 hotline platform: what it posts is a hotline ticket
HOTLINE_DEPT = "h12345"


@dataclass(frozen=True)
class Env:
    """What the use cases need from the process: the calendar, the rules' numbers and the time."""

    calendar: WorkdayCalendar
    rules: rules.TicketRules
    now: dt.datetime


@dataclass(frozen=True)
class Actor:
    id: str | None
    name: str

    @classmethod
    def of(cls, principal: Principal) -> "Actor":
        return cls(principal.subject, principal.name or principal.username or principal.subject)

    @classmethod
    def of_event(cls, event: CloudEvent) -> "Actor":
        return cls(None, event.source.lstrip("/") or "event")


SYSTEM = Actor(None, "svc-dispatch")


def env_of(ctx: ServiceContext) -> Env:
    return Env(calendar=ctx.calendar, rules=ctx.settings.ticket_rules(), now=clock.now(ctx))


def add_step(
    session: AsyncSession, ticket: Ticket, kind: str, note: str, at: dt.datetime, actor: Actor, *, event_id: str | None = None
) -> None:
    session.add(
        TicketStep(
            ticket_id=ticket.id, at=at, kind=kind, note=note, actor_id=actor.id, actor_name=actor.name,
            request_id=request_id_var.get(), event_id=event_id,
        )
    )


async def publish(session: AsyncSession, ticket: Ticket, payload: EventPayload) -> None:
    await emit(session, payload, subject=ticket.id, township=ticket.township_code, correlation_id=ticket.correlation_id)


def handle_limit(ticket: Ticket) -> rules.HandleLimit:
    return rules.HandleLimit(ticket.handle_limit_value, ticket.handle_limit_unit)  # type: ignore[arg-type]


def _location_point(location: dict[str, Any] | None) -> GeoPoint | None:
    return GeoPoint(coordinates=tuple(location["coordinates"])) if location else None


# --- opening and routing ----------------------------------------------------------------------


@dataclass(frozen=True)
class NewReport:
    source: str
    #: who owns ``source_ref``: "grid" for incidents, else the intake department (or "centre")
    origin: str
    source_ref: str | None
    number: str | None
    category: str
    description: str
    location: dict[str, Any] | None
    township_code: str
    area_code: str
    reporter_id: str | None
    reported_at: dt.datetime
    correlation_id: str | None
    intake_dept: str | None = None
    caller_name: str | None = None
    caller_phone: str | None = None


async def open_ticket(session: AsyncSession, report: NewReport, env: Env, actor: Actor, *, event_id: str | None = None) -> Ticket:
    """Register the report as a new ticket and dispatch it by the responsibility list in force."""
    category = await session.get(Category, report.category)
    if category is not None:
        limit = rules.HandleLimit(category.handle_limit_value, category.handle_limit_unit)  # type: ignore[arg-type]
        dispatch_minutes, urgent = category.dispatch_limit_minutes, category.urgent
    else:  # a category the county has no limits for yet: the default, and the dispatcher decides
        limit = rules.HandleLimit(env.rules.default_handle_workdays, "working_days")
        dispatch_minutes, urgent = env.rules.default_dispatch_minutes, False
    now = env.now
    ticket_id = new_id()
    ticket = Ticket(
        id=ticket_id,
        number=await business_number(session, "GD", report.township_code, now.astimezone(COUNTY_ZONE).year),
        status="registered",
        category=report.category,
        description=report.description,
        location=report.location,
        township_code=report.township_code,
        area_code=report.area_code,
        source=report.source,
        source_ref=report.source_ref,
        intake_dept=report.intake_dept,
        reporter_id=report.reporter_id,
        caller_name=report.caller_name,
        caller_phone=report.caller_phone,
        correlation_id=report.correlation_id or ticket_id,  # an intake starts its own journey
        reported_at=report.reported_at,
        cooperating_units=[],
        urgent=urgent,
        dispatch_limit_minutes=dispatch_minutes,
        handle_limit_value=limit.value,
        handle_limit_unit=limit.unit,
        warning=False,
        escalation_level=0,
        rework_count=0,
        state_at=now,
        created_at=now,
        updated_at=now,
    )
    session.add(ticket)
    session.add(_report_row(ticket, report, now, merged=False))
    label = f"{rules.SOURCE_LABELS[report.source]}" + (f" {report.number}" if report.number else "")
    add_step(session, ticket, "received", f"接收{label}，登记为工单 {ticket.number}", now, actor, event_id=event_id)
    await session.flush()
    await publish(
        session,
        ticket,
        contracts.TicketCreated(
            ticket_id=ticket.id, number=ticket.number, category=ticket.category, source=ticket.source,
            source_ref=ticket.source_ref, township_code=ticket.township_code, area_code=ticket.area_code, created_at=now,
        ),
    )
    routing = await responsibilities.route(
        session, ticket.category, ticket.township_code, now,
        functional_department=category.functional_department if category else False,
    )
    ticket.responsibility_version = routing.version
    if routing.primary is None:
        ticket.dispatch_due_at = now + dt.timedelta(minutes=ticket.dispatch_limit_minutes)
        add_step(session, ticket, "unroutable", f"无法自动派遣：{routing.problem}，待指挥中心派遣", now, SYSTEM)
        return ticket
    note = f"按属地管理责任清单 v{routing.version} 派遣至 {routing.primary.name}"
    if routing.cooperating:
        note += "，配合单位：" + "、".join(u.name for u in routing.cooperating)
    await assign(session, ticket, routing.primary, routing.cooperating, env, at=now, step=("dispatched", note), actor=SYSTEM)
    return ticket


def _report_row(ticket: Ticket, report: NewReport, now: dt.datetime, *, merged: bool) -> TicketReport:
    return TicketReport(
        id=new_id(), ticket_id=ticket.id, source=report.source, origin=report.origin, source_ref=report.source_ref,
        number=report.number, reporter_id=report.reporter_id, description=report.description, location=report.location,
        reported_at=report.reported_at, received_at=now, merged=merged,
        correlation_id=report.correlation_id or ticket.correlation_id,
    )


async def assign(
    session: AsyncSession,
    ticket: Ticket,
    unit: UnitRef,
    cooperating: list[UnitRef],
    env: Env,
    *,
    at: dt.datetime,
    step: tuple[str, str],
    actor: Actor,
    event_id: str | None = None,
) -> None:
    """Give the ticket to ``unit``: its handling clock starts at ``at`` (a new unit gets a full period)."""
    ticket.set_unit(unit)
    ticket.cooperating_units = [u.model_dump() for u in cooperating]
    ticket.status = "dispatched"
    ticket.assigned_at = at
    ticket.deadline = rules.handling_deadline(env.calendar, at, handle_limit(ticket))
    ticket.warn_at = rules.warning_at(at, ticket.deadline, ratio=env.rules.warn_before_ratio)
    ticket.warning = False
    ticket.escalation_level = 0
    ticket.escalate_at = rules.next_escalation_at(
        env.calendar, ticket.deadline, 0, steps_workdays=env.rules.escalation_steps_workdays
    )
    ticket.dispatch_due_at = None
    ticket.state_at = at
    ticket.updated_at = env.now
    add_step(session, ticket, step[0], step[1], at, actor, event_id=event_id)
    await publish(
        session,
        ticket,
        contracts.TicketAssigned(
            ticket_id=ticket.id, number=ticket.number, category=ticket.category, description=ticket.description,
            location=_location_point(ticket.location), township_code=ticket.township_code, area_code=ticket.area_code,
            unit=unit, cooperating_units=cooperating, deadline=ticket.deadline, assigned_at=at, source=ticket.source,
            source_ref=ticket.source_ref,
        ),
    )


# --- grid incidents and duplicates ------------------------------------------------------------


async def find_duplicate(
    session: AsyncSession, *, category: str, township_code: str, point: tuple[float, float], reported_at: dt.datetime,
    env: Env,
) -> Ticket | None:
    """The nearest open ticket of the same category in the township, within the radius and the window."""
    r = env.rules
    if r.duplicate_radius_meters <= 0 or r.duplicate_window_hours <= 0:
        return None
    window = dt.timedelta(hours=r.duplicate_window_hours)
    candidates = (
        await session.scalars(
            select(Ticket).where(
                Ticket.township_code == township_code,
                Ticket.category == category,
                Ticket.status.in_(rules.OPEN_STATUSES),
                Ticket.reported_at >= reported_at - window,
                Ticket.reported_at <= reported_at + window,
                Ticket.location.is_not(None),
            )
        )
    ).all()
    matches = [
        (rules.distance_meters(point, tuple(t.location["coordinates"])), t)
        for t in candidates
        if rules.is_duplicate(
            point=point, reported_at=reported_at, open_point=tuple(t.location["coordinates"]), open_reported_at=t.reported_at,
            radius_meters=r.duplicate_radius_meters, window_hours=r.duplicate_window_hours,
        )
    ]
    return min(matches, key=lambda m: m[0])[1] if matches else None


async def receive_incident(session: AsyncSession, event: CloudEvent, env: Env) -> Ticket:
    """One incident ends linked to exactly one ticket: a new one, or the open one it duplicates."""
    p: IncidentReported = event.payload(IncidentReported)
    # reports of one township and category are taken one at a time, so two duplicates arriving
    # together cannot both open a ticket
    await serialize_on(session, f"dispatch-intake:{p.township_code}:{p.category}")
    known = await session.scalar(
        select(TicketReport).where(
            TicketReport.source == "grid", TicketReport.origin == "grid", TicketReport.source_ref == p.incident_id
        )
    )
    if known is not None:  # the same incident announced again (another event id): nothing to do
        return await session.get_one(Ticket, known.ticket_id)
    report = NewReport(
        source="grid", origin="grid", source_ref=p.incident_id, number=p.number, category=p.category,
        description=p.description, location=p.location.model_dump(), township_code=p.township_code,
        area_code=p.grid_code, reporter_id=p.reporter_id, reported_at=p.reported_at, correlation_id=event.correlationid,
    )
    actor = Actor.of_event(event)
    duplicate = await find_duplicate(
        session, category=p.category, township_code=p.township_code, point=tuple(p.location.coordinates),
        reported_at=p.reported_at, env=env,
    )
    if duplicate is None:
        return await open_ticket(session, report, env, actor, event_id=event.id)
    await merge(session, duplicate, report, env, actor, event_id=event.id)
    return duplicate


async def merge(session: AsyncSession, ticket: Ticket, report: NewReport, env: Env, actor: Actor, *, event_id: str | None) -> None:
    """并单: record the report on the open ticket; no new ticket, no second dispatch."""
    session.add(_report_row(ticket, report, env.now, merged=True))
    ticket.updated_at = env.now
    label = rules.SOURCE_LABELS[report.source] + (f" {report.number}" if report.number else "")
    add_step(session, ticket, "merged", f"{label} 与本工单为同一事项，并单处理", env.now, actor, event_id=event_id)
    await session.flush()
    await emit(
        session,
        contracts.TicketMerged(
            ticket_id=ticket.id, number=ticket.number, category=ticket.category, township_code=ticket.township_code,
            area_code=ticket.area_code, unit=ticket.unit, source=report.source, source_ref=report.source_ref,
            ticket_source=ticket.source, ticket_source_ref=ticket.source_ref, merged_at=env.now,
        ),
        subject=ticket.id,
        township=ticket.township_code,
        correlation_id=report.correlation_id or ticket.correlation_id,  # the merged report's own journey
    )


# --- intake by department systems and the centre ----------------------------------------------


async def intake(session: AsyncSession, principal: Principal, body: TicketIntake, env: Env) -> tuple[Ticket, bool]:
    """Register a matter posted through the API; returns the ticket and whether it is new."""
    covering = [b for b in principal.bindings_for(INTAKE) if body.township_code.startswith(b.prefix)]
    if not covering:
        if not principal.can(INTAKE):
            raise permission_denied(INTAKE)
        raise scope_denied(f"you may not register matters for township {body.township_code}")
    intake_dept = covering[0].dept
    errors = FieldErrors()
    if body.category not in CATEGORY_BY_CODE or await session.get(Category, body.category) is None:
        errors.add("category", "unknown_category", f"{body.category!r} is not a category of GET /categories")
    if area_level(body.township_code) != "township" or not any(t.code == body.township_code for t in demo.TOWNSHIPS):
        errors.add("township_code", "unknown_township", f"{body.township_code} is not a township of the county")
    errors.raise_if_any()

    source = "hotline" if intake_dept == HOTLINE_DEPT else "department" if intake_dept else "centre"
    origin = intake_dept or "centre"
    if body.external_ref is not None:
        known = await session.scalar(
            select(TicketReport).where(
                TicketReport.source == source, TicketReport.origin == origin, TicketReport.source_ref == body.external_ref
            )
        )
        if known is not None:  # the caller's system posted the same call again: same ticket
            return await session.get_one(Ticket, known.ticket_id), False
    report = NewReport(
        source=source, origin=origin, source_ref=body.external_ref, number=body.external_ref, category=body.category,
        description=body.description, location=body.location.model_dump() if body.location else None,
        township_code=body.township_code, area_code=body.township_code, reporter_id=principal.subject,
        reported_at=env.now, correlation_id=None, intake_dept=intake_dept,
        caller_name=body.caller.name if body.caller else None, caller_phone=body.caller.phone if body.caller else None,
    )
    try:
        ticket = await open_ticket(session, report, env, Actor.of(principal))
        await session.flush()
    except IntegrityError:
        raise Problem(409, "duplicate_request", "Already registered",
                      f"external_ref {body.external_ref} is being registered by another request") from None
    return ticket, True


# --- actions of the handling unit -------------------------------------------------------------


def require_unit_staff(principal: Principal, permission: str, ticket: Ticket) -> None:
    """The caller must belong to the ticket's current unit: a binding over the unit's own area, with
    the unit's department, that covers the ticket's place."""
    for binding in principal.bindings_for(permission):
        if binding.area == ticket.unit_area_code and binding.covers(ticket.area_code, ticket.unit_dept):
            return
    if not principal.can(permission):
        raise permission_denied(permission)
    raise scope_denied("only the staff of the unit handling the ticket may do this")


def invalid_state(ticket: Ticket, action: str) -> Problem:
    return Problem(
        409, "invalid_state", "Not allowed in this state",
        f"cannot {action} a ticket that is {ticket.status} ({rules.STATUS_LABELS[ticket.status]})", current_status=ticket.status,
    )


async def mark_handled(session: AsyncSession, ticket: Ticket, outcome: str, env: Env, *, at: dt.datetime, actor: Actor,
                       note: str, event_id: str | None = None) -> None:
    ticket.status = "handled"
    ticket.outcome = outcome
    ticket.handled_at = at
    ticket.state_at = at
    ticket.updated_at = env.now
    add_step(session, ticket, "feedback", note, at, actor, event_id=event_id)
    unit = ticket.unit
    assert unit is not None
    await publish(
        session,
        ticket,
        contracts.TicketHandled(
            ticket_id=ticket.id, number=ticket.number, township_code=ticket.township_code, unit=unit, source=ticket.source,
            source_ref=ticket.source_ref, outcome=outcome, handled_at=at,
        ),
    )


async def feedback(session: AsyncSession, principal: Principal, ticket_id: str, outcome: str, env: Env) -> Ticket:
    ticket = await load_for_action(session, principal, ticket_id)
    require_unit_staff(principal, FEEDBACK, ticket)
    if ticket.status not in rules.FEEDBACK_FROM:
        raise invalid_state(ticket, "give feedback on")
    await mark_handled(session, ticket, outcome, env, at=env.now, actor=Actor.of(principal), note=f"处置反馈：{outcome}")
    return ticket


async def return_ticket(session: AsyncSession, principal: Principal, ticket_id: str, reason: str, env: Env) -> Ticket:
    """退单: the unit sends a ticket outside its remit back to the centre, within the return window."""
    ticket = await load_for_action(session, principal, ticket_id)
    require_unit_staff(principal, RETURN, ticket)
    if ticket.status != "dispatched":
        raise invalid_state(ticket, "return")
    assert ticket.assigned_at is not None
    if not rules.may_return(env.calendar, ticket.assigned_at, env.now, workdays=env.rules.return_window_workdays):
        last = rules.return_deadline(env.calendar, ticket.assigned_at, workdays=env.rules.return_window_workdays)
        raise Problem(
            422, "return_window_passed", "Too late to return",
            f"a ticket can be returned within {env.rules.return_window_workdays} working days of assignment "
            f"(until {last.isoformat()}); ask the centre to reassign it",
            return_deadline=last.isoformat(),
        )
    unit = ticket.unit
    assert unit is not None
    ticket.status = "returned"
    ticket.state_at = env.now
    ticket.updated_at = env.now
    # the centre must dispatch it again within the category's dispatch limit
    ticket.dispatch_due_at = env.now + dt.timedelta(minutes=ticket.dispatch_limit_minutes)
    add_step(session, ticket, "returned", f"{unit.name} 退回：{reason}", env.now, Actor.of(principal))
    await publish(
        session,
        ticket,
        contracts.TicketReturned(
            ticket_id=ticket.id, number=ticket.number, township_code=ticket.township_code, unit=unit, source=ticket.source,
            source_ref=ticket.source_ref, reason=reason, returned_at=env.now,
        ),
    )
    return ticket


# --- actions of the centre and the reporter ---------------------------------------------------


async def reassign(
    session: AsyncSession, principal: Principal, ticket_id: str, unit_code: str, reason: str | None, env: Env
) -> Ticket:
    """改派: the centre decides a routing dispute (or dispatches a returned or unroutable ticket)."""
    ticket = await load_for_action(session, principal, ticket_id)
    require_scope(principal, REASSIGN, ticket.area_code)
    if ticket.status not in rules.REASSIGN_FROM:
        raise invalid_state(ticket, "reassign")
    try:
        unit = units.unit_by_code(unit_code)
    except (units.UnknownUnit, ValueError):
        raise Problem(422, "unknown_unit", "Invalid request", f"unit_code: no unit {unit_code}") from None
    if not ticket.township_code.startswith(area_prefix(unit.area_code)):
        raise Problem(422, "unit_outside_township", "Invalid request",
                      f"unit_code: {unit.name} does not serve township {ticket.township_code}")
    category = await session.get(Category, ticket.category)
    if not responsibility_rules.may_handle(unit.kind, functional_department=bool(category and category.functional_department)):
        raise Problem(422, "functional_department_matter", "Invalid request",
                      "this is a functional department's matter and cannot be given to a township organ (国办函〔2025〕66号)")
    if ticket.status == "dispatched" and ticket.unit_code == unit.code:
        raise Problem(422, "already_assigned", "Invalid request", f"the ticket is already with {unit.name}")
    note = f"改派至 {unit.name}" + (f"：{reason}" if reason else "")
    cooperating = [UnitRef(**u) for u in ticket.cooperating_units]
    await assign(session, ticket, unit, cooperating, env, at=env.now, step=("reassigned", note), actor=Actor.of(principal))
    return ticket


async def verify(
    session: AsyncSession, principal: Principal, ticket_id: str, passed: bool, note: str | None, env: Env
) -> Ticket:
    """核查: on-site check of the unit's feedback; passing closes the ticket, failing sends it back (返工)."""
    ticket = await load_for_action(session, principal, ticket_id)
    require_scope(principal, VERIFY, ticket.area_code)
    if ticket.status != "handled":
        raise invalid_state(ticket, "verify")
    if not passed and not (note and note.strip()):
        raise Problem(422, "note_required", "Invalid request", "note: say what was found when the verification fails")
    actor = Actor.of(principal)
    now = env.now
    unit = ticket.unit
    assert unit is not None
    ticket.state_at = now
    ticket.updated_at = now
    if passed:
        add_step(session, ticket, "verification_passed", "核查通过" + (f"：{note}" if note else ""), now, actor)
        ticket.status = "closed"
        ticket.closed_at = now
        ticket.on_time = rules.on_time(now, ticket.deadline)
        add_step(session, ticket, "closed", "工单办结" + ("" if ticket.on_time else "（超期）"), now, actor)
        await publish(
            session,
            ticket,
            contracts.TicketClosed(
                ticket_id=ticket.id, number=ticket.number, category=ticket.category, township_code=ticket.township_code,
                area_code=ticket.area_code, unit=unit, source=ticket.source, source_ref=ticket.source_ref,
                outcome=ticket.outcome or "", deadline=ticket.deadline, closed_at=now, handled_at=ticket.handled_at,
                on_time=ticket.on_time, rework_count=ticket.rework_count,
            ),
        )
        return ticket
    reason = (note or "").strip()
    ticket.status = "reopened"
    ticket.rework_count += 1
    add_step(session, ticket, "verification_failed", f"核查未通过：{reason}", now, actor)
    add_step(session, ticket, "reopened", f"退回 {unit.name} 返工（第{ticket.rework_count}次）", now, actor)
    await publish(
        session,
        ticket,
        contracts.TicketReopened(
            ticket_id=ticket.id, number=ticket.number, township_code=ticket.township_code, unit=unit, source=ticket.source,
            source_ref=ticket.source_ref, reason=reason, rework_count=ticket.rework_count, reopened_at=now,
        ),
    )
    return ticket
