"""What enforcement tells the ticket: lead recorded, case opened, lead transferred, case closed.

Events may arrive late or out of order. Each is a fact and goes into the timeline at its own
time; it moves the ticket only from the states it belongs to and only when it is newer than the
ticket's last change of state (``state_at``), so a stale event never moves a ticket back.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.util import identity_key

from dispatch.tickets import rules
from dispatch.tickets.enums import StepKind, TicketStatus
from dispatch.tickets.models import Ticket, unit_of
from dispatch.tickets.service import (
    Actor,
    Env,
    add_step,
    assign,
    mark_handled,
    mark_signed,
    new_step,
    publish_reassigned,
    signed_for_event,
    signed_for_step,
    step_of,
)
from jiceng_shared.contracts import enforcement as contracts
from jiceng_shared.contracts.common import UnitRef
from jiceng_shared.events import CloudEvent
from jiceng_shared.outbox import emit, rows_of

#: the ticket locked for the change an event makes, built once (asked for every event)
_LOCKED_TICKET = select(Ticket).where(Ticket.id == bindparam("ticket_id")).with_for_update()


async def _ticket(session: AsyncSession, ticket_id: str | None) -> Ticket | None:
    if not ticket_id:
        return None  # a lead enforcement found itself (patrol): no ticket of ours
    return await session.scalar(_LOCKED_TICKET, {"ticket_id": ticket_id})


def _newer(ticket: Ticket, at: dt.datetime) -> bool:
    return at >= ticket.state_at


#: lead_received on PostgreSQL in one statement: the ticket locked (``old``, its state before the
#: change), its lead noted, and signed for when it is dispatched and the lead is not older than
#: its last change of state (the rule of the ORM path below: ``_newer``), returning what the steps
#: and the event need. Instead of the ORM's SELECT … FOR UPDATE, then its UPDATE at the flush
#: (loop 1: 2 statements and a 60-column object less an incident). Parameters: ticket id, lead id,
#: now, the lead's received_at.
_LEAD_RECEIVED = f"""
UPDATE tickets SET
    lead_id = coalesce(nullif(old.lead_id, ''), $2::VARCHAR),
    updated_at = $3::TIMESTAMPTZ,
    status = CASE WHEN old.signs THEN '{TicketStatus.ACCEPTED.value}' ELSE old.status END,
    signed_at = CASE WHEN old.signs THEN $4::TIMESTAMPTZ ELSE old.signed_at END,
    response_due_at = CASE WHEN old.signs THEN NULL ELSE old.response_due_at END,
    response_warn_at = CASE WHEN old.signs THEN NULL ELSE old.response_warn_at END,
    response_escalate_at = CASE WHEN old.signs THEN NULL ELSE old.response_escalate_at END,
    state_at = CASE WHEN old.signs THEN $4::TIMESTAMPTZ ELSE old.state_at END,
    version = old.version + 1
FROM (
    SELECT id, lead_id, status, signed_at, response_due_at, response_warn_at, response_escalate_at, state_at,
        version, (status = '{TicketStatus.DISPATCHED.value}' AND state_at <= $4::TIMESTAMPTZ) AS signs
    FROM tickets WHERE id = $1::VARCHAR FOR UPDATE
) AS old
WHERE tickets.id = old.id
RETURNING old.signs, old.response_due_at, tickets.id, tickets.number, tickets.category, tickets.township_code,
    tickets.area_code, tickets.source, tickets.source_ref, tickets.correlation_id, tickets.unit_code,
    tickets.unit_dept, tickets.unit_kind, tickets.unit_name, tickets.unit_area_code
"""


def _lead_note(p: contracts.LeadReceived) -> str:
    return "线索已登记" + ("" if p.delegated else "（非本镇街赋权事项，待移送）")


async def lead_received(session: AsyncSession, event: CloudEvent, env: Env) -> None:
    p = event.payload(contracts.LeadReceived)
    if not p.ticket_id:
        return  # a lead enforcement found itself (patrol): no ticket of ours
    if (
        session.get_bind().dialect.name != "postgresql"
        or identity_key(Ticket, p.ticket_id) in session.identity_map
        or p.received_at.tzinfo is None
    ):
        # SQLite; or the ticket is an object of this transaction already (an earlier event of the
        # batch), whose state the statement must not change under it; or a time without its zone,
        # which the ORM path refuses: through the ORM
        await _lead_received_orm(session, event, p, env)
        return
    await session.flush()  # what the earlier events of the batch left pending goes first, as with the ORM
    result = await (await session.connection()).exec_driver_sql(
        _LEAD_RECEIVED, (p.ticket_id, p.lead_id, env.now, p.received_at)
    )
    row = result.first()
    if row is None:
        return
    actor = Actor.of_event(event)
    step = step_of(row.id, StepKind.LEAD_RECORDED, _lead_note(p), p.received_at, actor, event_id=event.id)
    if not row.signs:
        session.add(step)
        return
    # the enforcement office's system took the matter up: that is its sign-for (签收)
    unit = unit_of(row)
    assert unit is not None  # a dispatched ticket has its unit
    within = rules.within_limit(p.received_at, row.response_due_at)
    signed = signed_for_step(row.id, unit, within, p.received_at, actor, event_id=event.id)
    # the steps written with the event (one statement)
    await emit(
        session,
        signed_for_event(row, unit, p.received_at, within=within),
        subject=row.id,
        township=row.township_code,
        correlation_id=row.correlation_id,
        together_with=[rows_of([step, signed])],
    )


async def _lead_received_orm(session: AsyncSession, event: CloudEvent, p: contracts.LeadReceived, env: Env) -> None:
    ticket = await _ticket(session, p.ticket_id)
    if ticket is None:
        return
    ticket.lead_id = ticket.lead_id or p.lead_id
    ticket.updated_at = env.now
    actor = Actor.of_event(event)
    step = new_step(ticket, StepKind.LEAD_RECORDED, _lead_note(p), p.received_at, actor, event_id=event.id)
    # the enforcement office's system took the matter up: that is its sign-for (签收)
    if ticket.status == TicketStatus.DISPATCHED and _newer(ticket, p.received_at):
        # the step written with the sign-for's event (one statement)
        await mark_signed(session, ticket, env, at=p.received_at, actor=actor, event_id=event.id, steps_before=[step])
    else:
        session.add(step)


async def case_opened(session: AsyncSession, event: CloudEvent, env: Env) -> None:
    p = event.payload(contracts.CaseOpened)
    ticket = await _ticket(session, p.ticket_id)
    if ticket is None:
        return
    ticket.case_id = p.case_id
    ticket.updated_at = env.now
    add_step(
        session,
        ticket,
        "case_opened",
        f"已立案：案件 {p.number}",
        p.opened_at,
        Actor.of_event(event),
        event_id=event.id,
    )
    started_from = (TicketStatus.DISPATCHED, TicketStatus.ACCEPTED, TicketStatus.REOPENED)
    if ticket.status in started_from and _newer(ticket, p.opened_at):
        ticket.status = TicketStatus.IN_PROGRESS
        ticket.state_at = p.opened_at


async def case_transferred(session: AsyncSession, event: CloudEvent, env: Env) -> None:
    """移送: the matter is not the township's; the competent unit becomes the handling unit."""
    p = event.payload(contracts.CaseTransferred)
    ticket = await _ticket(session, p.ticket_id)
    if ticket is None:
        return
    actor = Actor.of_event(event)
    note = f"移送至 {p.to_unit.name}：{p.reason}"
    movable = ticket.status in rules.SUPERVISED_STATUSES and _newer(ticket, p.transferred_at)
    if not movable or ticket.unit_code == p.to_unit.code:
        ticket.updated_at = env.now
        add_step(session, ticket, "transferred", note, p.transferred_at, actor, event_id=event.id)
        return
    cooperating = [UnitRef(**u) for u in ticket.cooperating_units]
    from_unit = ticket.unit
    # the competent unit starts a full handling period from the transfer (a wrong first routing
    # does not eat its time, rules-reference §3.4)
    await assign(
        session,
        ticket,
        p.to_unit,
        cooperating,
        env,
        at=p.transferred_at,
        step=("transferred", note + "，重新派遣"),
        actor=actor,
        event_id=event.id,
    )
    if from_unit is not None:
        await publish_reassigned(session, ticket, from_unit, p.to_unit, "transfer", p.reason, p.transferred_at)


async def case_closed(session: AsyncSession, event: CloudEvent, env: Env) -> None:
    p = event.payload(contracts.CaseClosed)
    ticket = await _ticket(session, p.ticket_id)
    if ticket is None:
        return
    actor = Actor.of_event(event)
    note = f"执法案件 {p.number} 办结：{p.outcome}"
    if ticket.status in rules.FEEDBACK_FROM and _newer(ticket, p.closed_at):
        await mark_handled(session, ticket, p.outcome, env, at=p.closed_at, actor=actor, note=note, event_id=event.id)
        return
    ticket.updated_at = env.now
    add_step(session, ticket, "feedback", note + "（工单状态未变）", p.closed_at, actor, event_id=event.id)
