"""Supervision (督办) of every limit of a ticket: the dispatch limit while nobody holds it, the
response limit until the unit signs for it, the handling limit while the unit's clock runs.

Each limit: a warning after ``warn_before_ratio`` of its period, then a supervision order (督办单)
per escalation level — addressed to whoever holds the ticket (the centre, or the handling unit's
head), then the township leader, then the county — demanding a written answer by its own deadline.
A level is reached once: the level is stored on the ticket and the order is unique per ticket,
limit, limit instant and level, so passes may overlap or repeat on one replica or several.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.supervision.models import SupervisionOrder
from dispatch.supervision.queries import readable
from dispatch.tickets import rules
from dispatch.tickets.enums import Addressee, StepKind, SupervisedLimit, TicketStatus
from dispatch.tickets.models import Ticket
from dispatch.tickets.queries import load_for_action
from dispatch.tickets.service import SYSTEM, Actor, Env, add_step, publish
from jiceng_shared.contracts.common import UnitRef
from jiceng_shared.contracts.dispatch import SupervisionIssued, TicketEscalated
from jiceng_shared.db import new_id
from jiceng_shared.errors import Problem, not_found, permission_denied
from jiceng_shared.identity import Principal
from jiceng_shared.numbers import business_number
from jiceng_shared.scope import require_scope
from jiceng_shared.workdays import COUNTY_ZONE

ISSUE = "dispatch.supervision.issue"
ANSWER = "dispatch.supervision.answer"
BATCH = 200
#: who may answer an order, by its addressee
ANSWERING_ROLES = {
    Addressee.CENTRE_HEAD: ("dispatcher",),
    Addressee.UNIT_HEAD: ("dept_staff", "dept_system"),
    Addressee.TOWNSHIP_LEADER: ("township_leader",),
    Addressee.COUNTY: ("county_admin",),
}


def due_clause(now: dt.datetime) -> object:
    """Tickets with something to do now on any of their limits (each arm uses its own columns)."""
    return or_(
        and_(
            Ticket.status.in_(rules.SUPERVISED_STATUSES),
            or_(and_(Ticket.warning.is_(False), Ticket.warn_at <= now), Ticket.escalate_at < now),
        ),
        and_(
            Ticket.status.in_(rules.UNDISPATCHED_STATUSES),
            or_(Ticket.dispatch_warn_at <= now, Ticket.dispatch_escalate_at < now),
        ),
        and_(
            Ticket.status == TicketStatus.DISPATCHED,
            or_(Ticket.response_warn_at <= now, Ticket.response_escalate_at < now),
        ),
    )


async def supervise_pass(session: AsyncSession, env: Env) -> int:
    now = env.now
    stmt = (
        select(Ticket)
        .where(due_clause(now))
        .order_by(Ticket.created_at)
        .limit(BATCH)
        .with_for_update(skip_locked=True)  # replicas share the work
    )
    tickets = (await session.scalars(stmt)).all()
    for ticket in tickets:
        if ticket.status in rules.UNDISPATCHED_STATUSES:
            await _minute_limit(session, ticket, SupervisedLimit.DISPATCH, env)
        if ticket.status == TicketStatus.DISPATCHED:
            await _minute_limit(session, ticket, SupervisedLimit.RESPONSE, env)
        if ticket.status in rules.SUPERVISED_STATUSES:
            await _handling_limit(session, ticket, env)
        ticket.updated_at = now
    return len(tickets)


def _local(at: dt.datetime) -> str:
    return at.astimezone(COUNTY_ZONE).strftime("%Y-%m-%d %H:%M")


async def _minute_limit(session: AsyncSession, ticket: Ticket, limit: SupervisedLimit, env: Env) -> None:
    """The dispatch or the response limit (minutes): warning, then one order per level."""
    now = env.now
    prefix = "dispatch" if limit == SupervisedLimit.DISPATCH else "response"
    due: dt.datetime | None = getattr(ticket, f"{prefix}_due_at")
    if due is None:
        return
    warn_at = getattr(ticket, f"{prefix}_warn_at")
    if warn_at is not None and warn_at <= now:
        setattr(ticket, f"{prefix}_warn_at", None)
        add_step(session, ticket, StepKind.WARNING, f"临期预警：{limit.label_zh} {_local(due)}", now, SYSTEM)
    steps = env.rules.limit_escalation_steps_minutes
    while (escalate_at := getattr(ticket, f"{prefix}_escalate_at")) is not None and escalate_at < now:
        level = getattr(ticket, f"{prefix}_level") + 1
        setattr(ticket, f"{prefix}_level", level)
        setattr(ticket, f"{prefix}_warn_at", None)
        setattr(ticket, f"{prefix}_escalate_at", rules.next_minute_escalation_at(due, level, steps_minutes=steps))
        await issue_order(session, ticket, limit, due, level, env)


async def _handling_limit(session: AsyncSession, ticket: Ticket, env: Env) -> None:
    now = env.now
    assert ticket.deadline is not None
    if not ticket.warning and ticket.warn_at is not None and ticket.warn_at <= now:
        ticket.warning = True
        add_step(session, ticket, StepKind.WARNING, f"临期预警：办理时限 {ticket.deadline.isoformat()}", now, SYSTEM)
    unit = ticket.unit
    assert unit is not None  # a supervised ticket always has a unit
    steps = env.rules.escalation_steps_workdays
    while ticket.escalate_at is not None and ticket.escalate_at < now:
        ticket.escalation_level += 1
        ticket.escalate_at = rules.next_escalation_at(
            env.calendar, ticket.deadline, ticket.escalation_level, steps_workdays=steps
        )
        reason = f"超过办理时限（{ticket.deadline.isoformat()}），第{ticket.escalation_level}级督办"
        await publish(
            session,
            ticket,
            TicketEscalated(
                ticket_id=ticket.id,
                number=ticket.number,
                township_code=ticket.township_code,
                unit=unit,
                level=ticket.escalation_level,
                reason=reason,
                escalated_at=now,
            ),
        )
        await issue_order(session, ticket, SupervisedLimit.HANDLING, ticket.deadline, ticket.escalation_level, env)


async def issue_order(
    session: AsyncSession,
    ticket: Ticket,
    limit: SupervisedLimit,
    due: dt.datetime,
    level: int,
    env: Env,
    *,
    addressee: Addressee | None = None,
    demand: str | None = None,
    actor: Actor = SYSTEM,
    unit: UnitRef | None = None,
) -> SupervisionOrder:
    now = env.now
    addressee = addressee or rules.addressee(limit, level)
    unit = unit or (ticket.unit if limit != SupervisedLimit.DISPATCH else None)
    name = f"{unit.name}负责人" if addressee == Addressee.UNIT_HEAD and unit else addressee.label_zh
    answer_by = rules.supervision_answer_by(env.calendar, now, workdays=env.rules.supervision_answer_workdays)
    if demand is None:
        demand = (
            f"工单 {ticket.number} 已超过{limit.label_zh}（{_local(due)}），第{level}级督办："
            f"请于 {_local(answer_by)} 前书面答复原因、处置措施和办结时间"
        )
    else:
        demand = f"工单 {ticket.number}（{limit.label_zh}）：{demand}，请于 {_local(answer_by)} 前书面答复"
    order = SupervisionOrder(
        id=new_id(),
        key=f"{ticket.id}:{limit}:{due.astimezone(dt.UTC).isoformat()}:{level}:{unit.code if unit else '-'}",
        number=await business_number(session, "DB", ticket.township_code, now.astimezone(COUNTY_ZONE).year),
        ticket_id=ticket.id,
        ticket_number=ticket.number,
        township_code=ticket.township_code,
        area_code=ticket.area_code,
        unit_code=unit.code if unit else None,
        unit_dept=unit.dept if unit else None,
        unit_area_code=unit.area_code if unit else None,
        unit_name=unit.name if unit else None,
        limit=limit,
        due_at=due,
        level=level,
        addressee=addressee,
        addressee_name=name,
        demand=demand,
        answer_by=answer_by,
        issued_at=now,
    )
    session.add(order)
    add_step(session, ticket, StepKind.ESCALATED, f"督办：{demand}（督办单 {order.number}，致{name}）", now, actor)
    await publish(
        session,
        ticket,
        SupervisionIssued(
            order_id=order.id,
            ticket_id=ticket.id,
            number=ticket.number,
            township_code=ticket.township_code,
            unit=unit,
            limit=limit,
            level=level,
            addressee=addressee,
            answer_by=answer_by,
            issued_at=now,
        ),
    )
    return order


#: the level a hand-made order stands at, by its addressee
MANUAL_LEVELS = {Addressee.CENTRE_HEAD: 1, Addressee.UNIT_HEAD: 1, Addressee.TOWNSHIP_LEADER: 2, Addressee.COUNTY: 3}


async def issue_manual(
    session: AsyncSession, principal: Principal, ticket_id: str, addressee: Addressee, demand: str, env: Env
) -> SupervisionOrder:
    """人工督办: the centre or the township leader supervises an open matter by hand."""
    ticket = await load_for_action(session, principal, ticket_id)
    require_scope(principal, ISSUE, ticket.area_code)
    if ticket.status not in rules.OPEN_STATUSES:
        raise Problem(
            409,
            "invalid_state",
            "Not allowed in this state",
            f"the ticket is {ticket.status}",
            current_status=ticket.status,
        )
    if addressee == Addressee.UNIT_HEAD and ticket.unit_code is None:
        raise Problem(422, "no_unit", "Invalid request", "addressee: the ticket has no handling unit yet")
    order = await issue_order(
        session,
        ticket,
        SupervisedLimit.MANUAL,
        env.now,
        MANUAL_LEVELS[addressee],
        env,
        addressee=addressee,
        demand=demand,
        actor=Actor.of(principal),
    )
    ticket.updated_at = env.now
    return order


# --- reading and answering orders ---------------------------------------------------------------


async def answer(session: AsyncSession, principal: Principal, order_id: str, text: str, env: Env) -> SupervisionOrder:
    order = await session.scalar(
        select(SupervisionOrder).where(SupervisionOrder.id == order_id, readable(principal)).with_for_update()
    )
    if order is None:
        raise not_found("supervision order", order_id)
    roles = ANSWERING_ROLES[Addressee(order.addressee)]
    if order.addressee == Addressee.UNIT_HEAD:  # the staff of the supervised unit itself
        is_addressee = any(
            b.role in roles and b.area == order.unit_area_code and b.covers(order.area_code, order.unit_dept)
            for b in principal.bindings_for(ANSWER)
        )
    else:
        is_addressee = any(b.role in roles and b.covers(order.area_code) for b in principal.bindings_for(ANSWER))
    if not is_addressee:
        if not principal.can(ANSWER):
            raise permission_denied(ANSWER)
        raise Problem(403, "not_addressee", "Not the addressee", f"this order is addressed to {order.addressee_name}")
    if order.answered_at is not None:
        raise Problem(409, "already_answered", "Already answered", f"answered at {order.answered_at.isoformat()}")
    actor = Actor.of(principal)
    order.answer = text
    order.answered_at = env.now
    order.answered_by = actor.name
    ticket = await session.get(Ticket, order.ticket_id)
    assert ticket is not None
    late = "" if env.now <= order.answer_by else "（逾期答复）"
    add_step(
        session, ticket, StepKind.SUPERVISION_ANSWERED, f"督办单 {order.number} 答复{late}：{text}", env.now, actor
    )
    return order
