"""Parking (挂账): a matter the unit cannot solve within its limit is parked with written reasons,
approved by the township leader; the handling clock is paused while parked (rules-reference §3.1,
§3.4) and the deadline moves by the time parked when the ticket is taken up again."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.tickets import rules
from dispatch.tickets.enums import StepKind, TicketStatus
from dispatch.tickets.models import Ticket
from dispatch.tickets.queries import load_for_action
from dispatch.tickets.service import Actor, Env, add_step, invalid_state, publish, require_unit_staff
from jiceng_shared.contracts.dispatch import TicketParked, TicketResumed
from jiceng_shared.errors import Problem
from jiceng_shared.identity import Principal
from jiceng_shared.scope import require_scope

REQUEST = "dispatch.ticket.park.request"
DECIDE = "dispatch.ticket.park.decide"
RESUME = "dispatch.ticket.park.resume"


async def request(session: AsyncSession, principal: Principal, ticket_id: str, reason: str, env: Env) -> Ticket:
    ticket = await load_for_action(session, principal, ticket_id)
    require_unit_staff(principal, REQUEST, ticket)
    if ticket.status not in rules.PARK_FROM or ticket.park_reason is not None:
        raise invalid_state(ticket, "ask to park")
    if not reason.strip():
        raise Problem(
            422, "reason_required", "Invalid request", "reason: say in writing why it cannot be solved in time"
        )
    ticket.park_reason = reason.strip()
    ticket.updated_at = env.now
    add_step(session, ticket, StepKind.PARK_REQUESTED, f"申请挂账：{ticket.park_reason}", env.now, Actor.of(principal))
    return ticket


async def decide(
    session: AsyncSession, principal: Principal, ticket_id: str, approved: bool, note: str | None, env: Env
) -> Ticket:
    """Only the township leader approves; without a pending request with reasons there is nothing to decide."""
    ticket = await load_for_action(session, principal, ticket_id)
    require_scope(principal, DECIDE, ticket.area_code)
    reason = ticket.park_reason
    if reason is None or ticket.status not in rules.PARK_FROM:
        raise Problem(
            409,
            "no_park_request",
            "Not allowed in this state",
            "there is no request to park this ticket with written reasons",
            current_status=ticket.status,
        )
    now = env.now
    actor = Actor.of(principal)
    ticket.park_reason = None
    ticket.updated_at = now
    if not approved:
        add_step(session, ticket, StepKind.PARK_REFUSED, "不同意挂账" + (f"：{note}" if note else ""), now, actor)
        return ticket
    ticket.parked_from = ticket.status
    ticket.status = TicketStatus.PARKED
    ticket.parked_at = now
    ticket.state_at = now
    add_step(
        session,
        ticket,
        StepKind.PARKED,
        f"同意挂账，办理时限暂停：{reason}" + (f"（{note}）" if note else ""),
        now,
        actor,
    )
    unit = ticket.unit
    assert unit is not None
    await publish(
        session,
        ticket,
        TicketParked(
            ticket_id=ticket.id,
            number=ticket.number,
            township_code=ticket.township_code,
            unit=unit,
            source=ticket.source,
            source_ref=ticket.source_ref,
            reason=reason,
            parked_at=now,
        ),
    )
    return ticket


async def resume(session: AsyncSession, principal: Principal, ticket_id: str, note: str | None, env: Env) -> Ticket:
    """解除挂账: the ticket goes back to where it was; every instant of its clock moves by the pause."""
    ticket = await load_for_action(session, principal, ticket_id)
    require_scope(principal, RESUME, ticket.area_code)
    if ticket.status != TicketStatus.PARKED or ticket.parked_at is None:
        raise invalid_state(ticket, "resume")
    now = env.now
    paused = now - ticket.parked_at
    ticket.deadline = rules.shifted(ticket.deadline, paused)
    ticket.warn_at = rules.shifted(ticket.warn_at, paused)
    ticket.escalate_at = rules.shifted(ticket.escalate_at, paused)
    ticket.status = ticket.parked_from or TicketStatus.IN_PROGRESS
    ticket.parked_at = None
    ticket.parked_from = None
    ticket.state_at = now
    ticket.updated_at = now
    text = f"解除挂账，办理时限顺延至 {ticket.deadline.isoformat() if ticket.deadline else '-'}"
    add_step(session, ticket, StepKind.RESUMED, text + (f"：{note}" if note else ""), now, Actor.of(principal))
    unit = ticket.unit
    assert unit is not None
    await publish(
        session,
        ticket,
        TicketResumed(
            ticket_id=ticket.id,
            number=ticket.number,
            township_code=ticket.township_code,
            unit=unit,
            deadline=ticket.deadline,
            paused_seconds=int(paused.total_seconds()),
            resumed_at=now,
        ),
    )
    return ticket
