"""Extensions (延期): the handling unit asks for more time with reasons, the centre or the township
leader decides; an approved extension moves the deadline (and with it the warning and 督办)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.tickets import rules
from dispatch.tickets.models import Ticket
from dispatch.tickets.queries import load_for_action
from dispatch.tickets.service import Actor, Env, add_step, invalid_state, publish, require_unit_staff
from jiceng_shared.contracts.dispatch import TicketExtended
from jiceng_shared.errors import Problem
from jiceng_shared.identity import Principal
from jiceng_shared.scope import require_scope

REQUEST = "dispatch.ticket.extension.request"
DECIDE = "dispatch.ticket.extension.decide"


def _amount(ticket: Ticket, value: int) -> str:
    return f"{value}{rules.LIMIT_UNIT_LABELS[ticket.handle_limit_unit]}"


async def request(
    session: AsyncSession, principal: Principal, ticket_id: str, value: int, reason: str, env: Env
) -> Ticket:
    ticket = await load_for_action(session, principal, ticket_id)
    require_unit_staff(principal, REQUEST, ticket)
    if ticket.status not in rules.SUPERVISED_STATUSES or ticket.extension_requested_value is not None:
        raise invalid_state(ticket, "ask for an extension of")
    assert ticket.deadline is not None
    if env.now > ticket.deadline:
        raise Problem(422, "deadline_passed", "Too late", "an extension is asked for before the deadline, not after it")
    refusal = rules.extension_refusal(value, granted=ticket.extended_value, max_value=ticket.extension_max_value)
    if refusal is not None:
        limit = _amount(ticket, ticket.extension_max_value) if ticket.extension_max_value else "none"
        raise Problem(
            422,
            refusal,
            "Extension not possible",
            f"this category allows extensions up to {limit} in all; {ticket.extended_value} granted so far",
        )
    ticket.extension_requested_value = value
    ticket.extension_reason = reason
    ticket.updated_at = env.now
    add_step(
        session,
        ticket,
        "extension_requested",
        f"申请延期 {_amount(ticket, value)}：{reason}",
        env.now,
        Actor.of(principal),
    )
    return ticket


async def decide(
    session: AsyncSession, principal: Principal, ticket_id: str, approved: bool, note: str | None, env: Env
) -> Ticket:
    ticket = await load_for_action(session, principal, ticket_id)
    require_scope(principal, DECIDE, ticket.area_code)
    value = ticket.extension_requested_value
    if value is None or ticket.status not in rules.SUPERVISED_STATUSES:
        raise invalid_state(ticket, "decide an extension of")
    assert ticket.deadline is not None and ticket.assigned_at is not None
    reason = ticket.extension_reason or ""
    ticket.extension_requested_value = None
    ticket.extension_reason = None
    ticket.updated_at = env.now
    actor = Actor.of(principal)
    if not approved:
        add_step(session, ticket, "extension_refused", "不同意延期" + (f"：{note}" if note else ""), env.now, actor)
        return ticket
    ticket.extended_value += value
    limit = rules.HandleLimit(value, ticket.handle_limit_unit)
    ticket.deadline = rules.handling_deadline(env.calendar, ticket.deadline, limit)
    ticket.warn_at = rules.warning_at(ticket.assigned_at, ticket.deadline, ratio=env.rules.warn_before_ratio)
    ticket.warning = ticket.warning and ticket.warn_at <= env.now
    ticket.escalate_at = rules.next_escalation_at(
        env.calendar, ticket.deadline, ticket.escalation_level, steps_workdays=env.rules.escalation_steps_workdays
    )
    add_step(
        session,
        ticket,
        "extension_approved",
        f"同意延期 {_amount(ticket, value)}，办理时限延至 {ticket.deadline.isoformat()}"
        + (f"：{note}" if note else ""),
        env.now,
        actor,
    )
    unit = ticket.unit
    assert unit is not None
    await publish(
        session,
        ticket,
        TicketExtended(
            ticket_id=ticket.id,
            number=ticket.number,
            township_code=ticket.township_code,
            unit=unit,
            source=ticket.source,
            source_ref=ticket.source_ref,
            value=value,
            time_unit=ticket.handle_limit_unit,
            reason=reason,
            deadline=ticket.deadline,
            approved_at=env.now,
        ),
    )
    return ticket
