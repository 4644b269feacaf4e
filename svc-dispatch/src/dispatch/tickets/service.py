"""Use cases of tickets: open and route one, and the actions of the unit, the centre and the
reporter. Each runs in the caller's transaction and writes its events to the outbox in that same
transaction. Where tickets come from (grid incidents, intake, duplicates) is ``intake.py``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, bindparam, literal, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.categories.models import Category
from dispatch.joint.models import TicketPart
from dispatch.responsibilities import rules as responsibility_rules
from dispatch.responsibilities import service as responsibilities
from dispatch.tickets import rules
from dispatch.tickets.enums import PartRole, StepKind, TicketStatus, VoidReason
from dispatch.tickets.models import Ticket, TicketReport, TicketStep
from dispatch.tickets.queries import load_for_action
from jiceng_shared import units
from jiceng_shared.contracts import dispatch as contracts
from jiceng_shared.contracts.common import GeoPoint, UnitRef
from jiceng_shared.db import new_id
from jiceng_shared.errors import Problem, permission_denied, scope_denied
from jiceng_shared.events import CloudEvent, EventPayload
from jiceng_shared.identity import Principal, area_prefix
from jiceng_shared.numbers import business_number
from jiceng_shared.observability import request_id_var
from jiceng_shared.outbox import emit, emit_all, rows_of
from jiceng_shared.scope import require_scope
from jiceng_shared.service import ServiceContext
from jiceng_shared.workdays import COUNTY_ZONE, WorkdayCalendar

FEEDBACK = "dispatch.ticket.feedback"
RETURN = "dispatch.ticket.return"
REASSIGN = "dispatch.ticket.reassign"
VERIFY = "dispatch.ticket.verify"
SIGN_FOR = "dispatch.ticket.sign_for"
VOID = "dispatch.ticket.void"


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
    def of(cls, principal: Principal) -> Actor:
        return cls(principal.subject, principal.name or principal.username or principal.subject)

    @classmethod
    def of_event(cls, event: CloudEvent) -> Actor:
        return cls(None, event.source.lstrip("/") or "event")


SYSTEM = Actor(None, "svc-dispatch")


def env_of(ctx: ServiceContext) -> Env:
    return Env(calendar=ctx.calendar, rules=ctx.settings.ticket_rules(), now=ctx.now())


def add_step(
    session: AsyncSession,
    ticket: Ticket,
    kind: str,
    note: str,
    at: dt.datetime,
    actor: Actor,
    *,
    event_id: str | None = None,
) -> None:
    session.add(new_step(ticket, kind, note, at, actor, event_id=event_id))


def new_step(
    ticket: Ticket, kind: str, note: str, at: dt.datetime, actor: Actor, *, event_id: str | None = None
) -> TicketStep:
    return step_of(ticket.id, kind, note, at, actor, event_id=event_id)


def step_of(
    ticket_id: str, kind: str, note: str, at: dt.datetime, actor: Actor, *, event_id: str | None = None
) -> TicketStep:
    """A new step of the ticket ``ticket_id`` (not added to the session)."""
    return TicketStep(
        ticket_id=ticket_id,
        at=at,
        kind=kind,
        note=note,
        actor_id=actor.id,
        actor_name=actor.name,
        request_id=request_id_var.get(),
        event_id=event_id,
    )


async def publish(
    session: AsyncSession, ticket: Ticket, payload: EventPayload, *, steps: Sequence[TicketStep] = ()
) -> None:
    """``steps``: new steps of the ticket (not added to the session) written with the event, one
    statement on PostgreSQL instead of the unit of work's INSERT."""
    await emit(
        session,
        payload,
        subject=ticket.id,
        township=ticket.township_code,
        correlation_id=ticket.correlation_id,
        together_with=[rows_of(steps)] if steps else (),
    )


def ticket_fields(ticket: Ticket | Any, unit: UnitRef) -> dict[str, Any]:
    """What the events of a ticket's 签收, 办结 and 回访 say of it, word for word: ``ticket`` a
    Ticket, or a row of its columns; ``unit`` the unit it is with."""
    return {
        "ticket_id": ticket.id,
        "number": ticket.number,
        "category": ticket.category,
        "township_code": ticket.township_code,
        "area_code": ticket.area_code,
        "unit": unit,
        "source": ticket.source,
        "source_ref": ticket.source_ref,
    }


def handle_limit(ticket: Ticket) -> rules.HandleLimit:
    return rules.HandleLimit(ticket.handle_limit_value, ticket.handle_limit_unit)


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


#: what opening a ticket reads, in one round trip, built once (asked for every new ticket): the
#: responsibility list in force (none before the first) and the limits of its category (none for a
#: category the county has no limits for yet); one row whatever is missing
OPENING = select(
    responsibilities.IN_FORCE.c.id.label("list_id"),
    responsibilities.IN_FORCE.c.version.label("list_version"),
    Category.code,
    Category.handle_limit_value,
    Category.handle_limit_unit,
    Category.dispatch_limit_minutes,
    Category.urgent,
    Category.extension_max_value,
    Category.response_limit_minutes,
    Category.functional_department,
).select_from(
    select(literal(1).label("one"))
    .subquery("one")
    .outerjoin(responsibilities.IN_FORCE, true())
    .outerjoin(Category, Category.code == bindparam("code"))
)


async def open_ticket(
    session: AsyncSession,
    report: NewReport,
    env: Env,
    actor: Actor,
    *,
    event_id: str | None = None,
    opening: Row[Any] | None = None,
) -> Ticket:
    """Register the report as a new ticket and dispatch it by the responsibility list in force.

    The ticket, its report, its steps and the parts of cooperating units are written in their final
    state with its events (one statement on PostgreSQL), not through the session's unit of work:
    nothing changes them later in this use case, and the ticket object only shapes the answer.
    ``opening``: the row of :data:`OPENING` the caller read with its own question in this
    transaction (category ``report.category``, at ``env.now``)."""
    now = env.now
    if opening is None:
        opening = (await session.execute(OPENING, {"code": report.category, "at": now})).one()
    in_force = None if opening.list_id is None else responsibilities.InForce(opening.list_id, opening.list_version)
    category = opening if opening.code is not None else None
    if category is not None:
        limit = rules.HandleLimit(category.handle_limit_value, category.handle_limit_unit)
        dispatch_minutes, urgent = category.dispatch_limit_minutes, category.urgent
        extension_max = category.extension_max_value
        response_minutes = category.response_limit_minutes
    else:  # a category the county has no limits for yet: the default, and the dispatcher decides
        limit = rules.HandleLimit(env.rules.default_handle_workdays, "working_days")
        dispatch_minutes, urgent, extension_max = env.rules.default_dispatch_minutes, False, None
        response_minutes = None
    ticket_id = new_id()
    # a place is a GeoJSON Point (intake and grid incidents take nothing else)
    lng, lat = report.location["coordinates"] if report.location else (None, None)
    ticket = Ticket(
        id=ticket_id,
        number=await business_number(session, "GD", report.township_code, now.astimezone(COUNTY_ZONE).year),
        status=TicketStatus.REGISTERED,
        category=report.category,
        description=report.description,
        location=report.location,
        lng=lng,
        lat=lat,
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
        response_limit_minutes=rules.response_limit_minutes(response_minutes, urgent=urgent, rules=env.rules),
        dispatch_level=0,
        response_level=0,
        callback_count=0,
        callback_reopens=0,
        handle_limit_value=limit.value,
        handle_limit_unit=limit.unit,
        extension_max_value=extension_max,
        extended_value=0,
        warning=False,
        escalation_level=0,
        rework_count=0,
        state_at=now,
        created_at=now,
        updated_at=now,
        version=1,  # written without the unit of work, which would set it
    )
    label = f"{rules.SOURCE_LABELS[report.source]}" + (f" {report.number}" if report.number else "")
    steps = [new_step(ticket, "received", f"接收{label}，登记为工单 {ticket.number}", now, actor, event_id=event_id)]
    events: list[EventPayload] = [
        contracts.TicketCreated(
            ticket_id=ticket.id,
            number=ticket.number,
            category=ticket.category,
            source=ticket.source,
            source_ref=ticket.source_ref,
            township_code=ticket.township_code,
            area_code=ticket.area_code,
            created_at=now,
        )
    ]
    routing = await responsibilities.route(
        session,
        ticket.category,
        ticket.township_code,
        now,
        functional_department=category.functional_department if category else False,
        in_force=in_force,
    )
    ticket.responsibility_version = routing.version
    parts: list[TicketPart] = []
    if routing.primary is None:
        start_dispatch_clock(ticket, env, now)
        steps.append(new_step(ticket, "unroutable", f"无法自动派遣：{routing.problem}，待指挥中心派遣", now, SYSTEM))
    else:
        note = f"按属地管理责任清单 v{routing.version} 派遣至 {routing.primary.name}"
        if routing.cooperating:
            note += "，配合单位：" + "、".join(u.name for u in routing.cooperating)
        give_to(ticket, routing.primary, routing.cooperating, env, at=now)
        steps.append(new_step(ticket, "dispatched", note, now, SYSTEM))
        events.append(assigned_event(ticket, routing.primary, routing.cooperating, at=now))
        # the cooperating units get their part (they see the ticket and answer for it)
        parts = cooperating_parts(ticket, routing.primary, routing.cooperating, now)
    new_rows = [rows_of([ticket]), rows_of([report_row(ticket, report, now, merged=False)]), rows_of(steps)]
    await emit_all(
        session,
        events,
        subject=ticket.id,
        township=ticket.township_code,
        correlation_id=ticket.correlation_id,
        together_with=[*new_rows, rows_of(parts)] if parts else new_rows,
    )
    return ticket


def start_dispatch_clock(ticket: Ticket, env: Env, at: dt.datetime) -> None:
    """Nobody holds the ticket: the centre must dispatch it within the category's dispatch limit,
    supervised like every limit (warning, then 督办)."""
    due = at + dt.timedelta(minutes=ticket.dispatch_limit_minutes)
    ticket.dispatch_due_at = due
    ticket.dispatch_warn_at = rules.warning_at(at, due, ratio=env.rules.warn_before_ratio)
    ticket.dispatch_level = 0
    ticket.dispatch_escalate_at = rules.next_minute_escalation_at(
        due, 0, steps_minutes=env.rules.limit_escalation_steps_minutes
    )
    stop_response_clock(ticket)


def stop_dispatch_clock(ticket: Ticket) -> None:
    ticket.dispatch_due_at = None
    ticket.dispatch_warn_at = None
    ticket.dispatch_escalate_at = None


def stop_response_clock(ticket: Ticket) -> None:
    ticket.response_due_at = None
    ticket.response_warn_at = None
    ticket.response_escalate_at = None


def report_row(ticket: Ticket, report: NewReport, now: dt.datetime, *, merged: bool) -> TicketReport:
    return TicketReport(
        id=new_id(),
        ticket_id=ticket.id,
        source=report.source,
        origin=report.origin,
        source_ref=report.source_ref,
        number=report.number,
        reporter_id=report.reporter_id,
        description=report.description,
        location=report.location,
        reported_at=report.reported_at,
        received_at=now,
        merged=merged,
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
    give_to(ticket, unit, cooperating, env, at=at)
    add_step(session, ticket, step[0], step[1], at, actor, event_id=event_id)
    await publish(session, ticket, assigned_event(ticket, unit, cooperating, at=at))


def give_to(ticket: Ticket, unit: UnitRef, cooperating: list[UnitRef], env: Env, *, at: dt.datetime) -> None:
    """The state of a ticket given to ``unit`` at ``at``: its response and handling clocks start."""
    ticket.set_unit(unit)
    ticket.cooperating_units = [u.model_dump() for u in cooperating]
    ticket.status = TicketStatus.DISPATCHED
    ticket.assigned_at = at
    # the unit signs for it (签收) within the response limit; supervised like the handling limit
    minutes = ticket.response_limit_minutes or env.rules.normal_response_minutes
    ticket.response_due_at = at + dt.timedelta(minutes=minutes)
    ticket.response_warn_at = rules.warning_at(at, ticket.response_due_at, ratio=env.rules.warn_before_ratio)
    ticket.response_level = 0
    ticket.response_escalate_at = rules.next_minute_escalation_at(
        ticket.response_due_at, 0, steps_minutes=env.rules.limit_escalation_steps_minutes
    )
    ticket.signed_at = None
    ticket.deadline = rules.handling_deadline(env.calendar, at, handle_limit(ticket))
    ticket.warn_at = rules.warning_at(at, ticket.deadline, ratio=env.rules.warn_before_ratio)
    ticket.warning = False
    ticket.escalation_level = 0
    ticket.escalate_at = rules.next_escalation_at(
        env.calendar, ticket.deadline, 0, steps_workdays=env.rules.escalation_steps_workdays
    )
    stop_dispatch_clock(ticket)
    ticket.extended_value = 0
    ticket.extension_requested_value = None
    ticket.extension_reason = None
    ticket.state_at = at
    ticket.updated_at = env.now


def assigned_event(
    ticket: Ticket, unit: UnitRef, cooperating: list[UnitRef], *, at: dt.datetime
) -> contracts.TicketAssigned:
    return contracts.TicketAssigned(
        ticket_id=ticket.id,
        number=ticket.number,
        category=ticket.category,
        description=ticket.description,
        location=_location_point(ticket.location),
        township_code=ticket.township_code,
        area_code=ticket.area_code,
        unit=unit,
        cooperating_units=cooperating,
        deadline=ticket.deadline,
        assigned_at=at,
        source=ticket.source,
        source_ref=ticket.source_ref,
    )


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
        409,
        "invalid_state",
        "Not allowed in this state",
        f"cannot {action} a ticket that is {ticket.status} ({TicketStatus(ticket.status).label_zh})",
        current_status=ticket.status,
    )


async def load_in_state(
    session: AsyncSession,
    principal: Principal,
    ticket_id: str,
    permission: str,
    allowed: Collection[str],
    action: str,
    *,
    by_unit: bool = False,
) -> Ticket:
    """The ticket locked for ``action``: the caller holds ``permission`` over its area (or, with
    ``by_unit``, is staff of its unit), then its status is one the action starts from (else 409)."""
    ticket = await load_for_action(session, principal, ticket_id)
    if by_unit:
        require_unit_staff(principal, permission, ticket)
    else:
        require_scope(principal, permission, ticket.area_code)
    if ticket.status not in allowed:
        raise invalid_state(ticket, action)
    return ticket


async def mark_handled(
    session: AsyncSession,
    ticket: Ticket,
    outcome: str,
    env: Env,
    *,
    at: dt.datetime,
    actor: Actor,
    note: str,
    event_id: str | None = None,
) -> None:
    if ticket.status == TicketStatus.DISPATCHED:  # feedback without a sign-for: acting on it is accepting it
        await mark_signed(session, ticket, env, at=at, actor=actor, event_id=event_id)
    ticket.status = TicketStatus.HANDLED
    ticket.outcome = outcome
    ticket.handled_at = at
    ticket.state_at = at
    ticket.updated_at = env.now
    add_step(session, ticket, StepKind.FEEDBACK, note, at, actor, event_id=event_id)
    unit = ticket.unit
    assert unit is not None
    await publish(
        session,
        ticket,
        contracts.TicketHandled(
            ticket_id=ticket.id,
            number=ticket.number,
            township_code=ticket.township_code,
            unit=unit,
            source=ticket.source,
            source_ref=ticket.source_ref,
            outcome=outcome,
            handled_at=at,
        ),
    )


async def mark_signed(
    session: AsyncSession,
    ticket: Ticket,
    env: Env,
    *,
    at: dt.datetime,
    actor: Actor,
    event_id: str | None = None,
    steps_before: Sequence[TicketStep] = (),
) -> None:
    """签收: the unit accepts the dispatched ticket; within the response limit or not (响应率).
    ``steps_before``: new steps of the same change, written first, with the event."""
    unit = ticket.unit
    assert unit is not None
    within = rules.within_limit(at, ticket.response_due_at)
    ticket.status = TicketStatus.ACCEPTED
    ticket.signed_at = at
    stop_response_clock(ticket)
    ticket.state_at = at
    ticket.updated_at = env.now
    step = signed_for_step(ticket.id, unit, within, at, actor, event_id=event_id)
    await publish(session, ticket, signed_for_event(ticket, unit, at, within=within), steps=[*steps_before, step])


def signed_for_step(
    ticket_id: str, unit: UnitRef, within: bool, at: dt.datetime, actor: Actor, *, event_id: str | None
) -> TicketStep:
    """The timeline's 签收 step (late or not)."""
    note = f"{unit.name} 签收" + ("" if within else "（超过签收时限）")
    return step_of(ticket_id, StepKind.SIGNED_FOR, note, at, actor, event_id=event_id)


def signed_for_event(
    ticket: Ticket | Any, unit: UnitRef, at: dt.datetime, *, within: bool
) -> contracts.TicketSignedFor:
    """The 签收 event of ``ticket``: a Ticket, or a row of its columns (a statement's RETURNING)."""
    return contracts.TicketSignedFor(**ticket_fields(ticket, unit), signed_at=at, within_limit=within)


async def sign_for(session: AsyncSession, principal: Principal, ticket_id: str, env: Env) -> Ticket:
    ticket = await load_in_state(
        session, principal, ticket_id, SIGN_FOR, (TicketStatus.DISPATCHED,), "sign for", by_unit=True
    )
    await mark_signed(session, ticket, env, at=env.now, actor=Actor.of(principal))
    return ticket


async def feedback(session: AsyncSession, principal: Principal, ticket_id: str, outcome: str, env: Env) -> Ticket:
    ticket = await load_in_state(
        session, principal, ticket_id, FEEDBACK, rules.FEEDBACK_FROM, "give feedback on", by_unit=True
    )
    await mark_handled(
        session, ticket, outcome, env, at=env.now, actor=Actor.of(principal), note=f"处置反馈：{outcome}"
    )
    return ticket


async def return_ticket(session: AsyncSession, principal: Principal, ticket_id: str, reason: str, env: Env) -> Ticket:
    """退单: the unit sends a ticket outside its remit back to the centre, within the return window."""
    ticket = await load_in_state(session, principal, ticket_id, RETURN, rules.RETURN_FROM, "return", by_unit=True)
    assert ticket.assigned_at is not None
    if not rules.may_return(env.calendar, ticket.assigned_at, env.now, workdays=env.rules.return_window_workdays):
        last = rules.return_deadline(env.calendar, ticket.assigned_at, workdays=env.rules.return_window_workdays)
        raise Problem(
            422,
            "return_window_passed",
            "Too late to return",
            f"a ticket can be returned within {env.rules.return_window_workdays} working days of assignment "
            f"(until {last.isoformat()}); ask the centre to reassign it",
            return_deadline=last.isoformat(),
        )
    unit = ticket.unit
    assert unit is not None
    ticket.status = TicketStatus.RETURNED
    ticket.state_at = env.now
    ticket.updated_at = env.now
    # the centre must dispatch it again within the category's dispatch limit (supervised: a returned
    # ticket never sits undispatched unwatched)
    start_dispatch_clock(ticket, env, env.now)
    add_step(session, ticket, StepKind.RETURNED, f"{unit.name} 退回：{reason}", env.now, Actor.of(principal))
    await publish(
        session,
        ticket,
        contracts.TicketReturned(
            ticket_id=ticket.id,
            number=ticket.number,
            township_code=ticket.township_code,
            unit=unit,
            source=ticket.source,
            source_ref=ticket.source_ref,
            reason=reason,
            returned_at=env.now,
        ),
    )
    return ticket


# --- actions of the centre and the reporter ---------------------------------------------------


async def reassign(
    session: AsyncSession, principal: Principal, ticket_id: str, unit_code: str, reason: str | None, env: Env
) -> Ticket:
    """改派: the centre decides a routing dispute (or dispatches a returned or unroutable ticket)."""
    ticket = await load_in_state(session, principal, ticket_id, REASSIGN, rules.REASSIGN_FROM, "reassign")
    try:
        unit = units.unit_by_code(unit_code)
    except (units.UnknownUnit, ValueError):
        raise Problem(422, "unknown_unit", "Invalid request", f"unit_code: no unit {unit_code}") from None
    if not ticket.township_code.startswith(area_prefix(unit.area_code)):
        raise Problem(
            422,
            "unit_outside_township",
            "Invalid request",
            f"unit_code: {unit.name} does not serve township {ticket.township_code}",
        )
    category = await session.get(Category, ticket.category)
    if not responsibility_rules.may_handle(
        unit.kind, functional_department=bool(category and category.functional_department)
    ):
        raise Problem(
            422,
            "functional_department_matter",
            "Invalid request",
            "this is a functional department's matter and cannot be given to a township organ (国办函〔2025〕66号)",
        )
    if ticket.status in (TicketStatus.DISPATCHED, TicketStatus.ACCEPTED) and ticket.unit_code == unit.code:
        raise Problem(422, "already_assigned", "Invalid request", f"the ticket is already with {unit.name}")
    note = f"改派至 {unit.name}" + (f"：{reason}" if reason else "")
    cooperating = [UnitRef(**u) for u in ticket.cooperating_units]
    from_unit = ticket.unit
    after_return = ticket.status == TicketStatus.RETURNED
    await assign(
        session, ticket, unit, cooperating, env, at=env.now, step=(StepKind.REASSIGNED, note), actor=Actor.of(principal)
    )
    if from_unit is not None and from_unit.code != unit.code:
        await publish_reassigned(
            session, ticket, from_unit, unit, "return" if after_return else "reassignment", reason or "", env.now
        )
    return ticket


async def publish_reassigned(
    session: AsyncSession,
    ticket: Ticket,
    from_unit: UnitRef,
    to_unit: UnitRef,
    reason_kind: str,
    reason: str,
    at: dt.datetime,
) -> None:
    """For assessment: the ticket counts for the unit that finally handles it, not against the one it left."""
    await publish(
        session,
        ticket,
        contracts.TicketReassigned(
            ticket_id=ticket.id,
            number=ticket.number,
            category=ticket.category,
            township_code=ticket.township_code,
            from_unit=from_unit,
            to_unit=to_unit,
            reason_kind=reason_kind,
            reason=reason,
            reassigned_at=at,
        ),
    )


async def void(
    session: AsyncSession, principal: Principal, ticket_id: str, reason: VoidReason, note: str | None, env: Env
) -> Ticket:
    """作废: the centre finds the report is not a valid ticket; it leaves every list of open work."""
    ticket = await load_in_state(session, principal, ticket_id, VOID, rules.VOID_FROM, "void")
    now = env.now
    ticket.status = TicketStatus.VOIDED
    ticket.void_reason = reason
    stop_dispatch_clock(ticket)
    stop_response_clock(ticket)
    ticket.closed_at = now
    ticket.state_at = now
    ticket.updated_at = now
    text = reason.label_zh + (f"：{note}" if note else "")
    add_step(session, ticket, StepKind.VOIDED, f"作废：{text}", now, Actor.of(principal))
    await publish(
        session,
        ticket,
        contracts.TicketVoided(
            ticket_id=ticket.id,
            number=ticket.number,
            category=ticket.category,
            township_code=ticket.township_code,
            area_code=ticket.area_code,
            source=ticket.source,
            source_ref=ticket.source_ref,
            reason=reason.value + (f": {note}" if note else ""),
            voided_at=now,
        ),
    )
    return ticket


async def verify(
    session: AsyncSession, principal: Principal, ticket_id: str, passed: bool, note: str | None, env: Env
) -> Ticket:
    """核查: on-site check of the unit's feedback; passing closes the ticket, failing sends it back (返工)."""
    ticket = await load_in_state(session, principal, ticket_id, VERIFY, (TicketStatus.HANDLED,), "verify")
    if not passed and not (note and note.strip()):
        raise Problem(422, "note_required", "Invalid request", "note: say what was found when the verification fails")
    actor = Actor.of(principal)
    now = env.now
    unit = ticket.unit
    assert unit is not None
    ticket.state_at = now
    ticket.updated_at = now
    if passed:
        add_step(session, ticket, StepKind.VERIFICATION_PASSED, "核查通过" + (f"：{note}" if note else ""), now, actor)
        ticket.verified_at = now
        # on time is judged when the work is verified: the callback that follows does not make it late
        ticket.on_time = rules.on_time(now, ticket.deadline)
        awaiting = rules.needs_callback(ticket.source, bool(ticket.caller_name or ticket.caller_phone))
        await publish(
            session,
            ticket,
            contracts.TicketVerified(
                ticket_id=ticket.id,
                number=ticket.number,
                township_code=ticket.township_code,
                unit=unit,
                source=ticket.source,
                source_ref=ticket.source_ref,
                awaiting_callback=awaiting,
                on_time=ticket.on_time,
                verified_at=now,
                verified_by=principal.username,
                handled_at=ticket.handled_at,
            ),
        )
        if awaiting:
            ticket.status = TicketStatus.CALLBACK_PENDING
            return ticket
        await close(session, ticket, env, actor)
        return ticket
    await reopen(
        session,
        ticket,
        env,
        actor,
        (note or "").strip(),
        failed_step=StepKind.VERIFICATION_FAILED,
        verified_by=principal.username,
    )
    return ticket


async def close(session: AsyncSession, ticket: Ticket, env: Env, actor: Actor) -> None:
    now = env.now
    unit = ticket.unit
    assert unit is not None
    ticket.status = TicketStatus.CLOSED
    ticket.closed_at = now
    ticket.state_at = now
    ticket.updated_at = now
    if ticket.on_time is None:
        ticket.on_time = rules.on_time(now, ticket.deadline)
    add_step(session, ticket, StepKind.CLOSED, "工单办结" + ("" if ticket.on_time else "（超期）"), now, actor)
    await publish(
        session,
        ticket,
        contracts.TicketClosed(
            **ticket_fields(ticket, unit),
            outcome=ticket.outcome or "",
            deadline=ticket.deadline,
            closed_at=now,
            handled_at=ticket.handled_at,
            on_time=ticket.on_time,
            rework_count=ticket.rework_count,
        ),
    )


async def reopen(
    session: AsyncSession,
    ticket: Ticket,
    env: Env,
    actor: Actor,
    reason: str,
    *,
    failed_step: StepKind,
    verified_by: str | None = None,
) -> None:
    """返工: back to the handling unit (after a failed verification or a dissatisfied callback)."""
    now = env.now
    unit = ticket.unit
    assert unit is not None
    ticket.state_at = now
    ticket.updated_at = now
    ticket.on_time = None
    ticket.verified_at = None
    ticket.status = TicketStatus.REOPENED
    ticket.rework_count += 1
    if failed_step == StepKind.VERIFICATION_FAILED:
        add_step(session, ticket, failed_step, f"核查未通过：{reason}", now, actor)
    add_step(session, ticket, StepKind.REOPENED, f"退回 {unit.name} 返工（第{ticket.rework_count}次）", now, actor)
    await publish(
        session,
        ticket,
        contracts.TicketReopened(
            ticket_id=ticket.id,
            number=ticket.number,
            township_code=ticket.township_code,
            unit=unit,
            source=ticket.source,
            source_ref=ticket.source_ref,
            reason=reason,
            rework_count=ticket.rework_count,
            reopened_at=now,
            verified_by=verified_by if failed_step == StepKind.VERIFICATION_FAILED else None,
            handled_at=ticket.handled_at if failed_step == StepKind.VERIFICATION_FAILED else None,
        ),
    )


def cooperating_parts(
    ticket: Ticket, primary: UnitRef, cooperating: list[UnitRef], now: dt.datetime
) -> list[TicketPart]:
    """The parts of the cooperating units a routing named (配合 the primary unit)."""
    return [
        TicketPart(
            id=new_id(),
            ticket_id=ticket.id,
            area_code=ticket.area_code,
            unit_code=u.code,
            unit_dept=u.dept,
            unit_kind=u.kind,
            unit_name=u.name,
            unit_area_code=u.area_code,
            role=PartRole.COOPERATING,
            task=f"配合 {primary.name} 处置",
            created_at=now,
        )
        for u in cooperating
    ]
