"""Use cases of callbacks (回访). A citizen's ticket waits for its callback after verification; the
centre or the originating department system records it: satisfied closes, dissatisfied reopens the
ticket (at most ``callback_reopen_max`` times), after that the township leader decides."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.callbacks.schemas import CallbackIn
from dispatch.tickets import rules
from dispatch.tickets.enums import CallbackResult, StepKind, TicketStatus
from dispatch.tickets.models import Ticket, TicketCallback
from dispatch.tickets.queries import load_for_action
from dispatch.tickets.service import Actor, Env, add_step, close, invalid_state, publish, reopen, ticket_fields
from jiceng_shared.contracts.dispatch import CallbackRecorded
from jiceng_shared.db import new_id
from jiceng_shared.errors import Problem, permission_denied, scope_denied
from jiceng_shared.identity import Principal
from jiceng_shared.scope import require_scope

RECORD = "dispatch.ticket.callback"
DECIDE = "dispatch.ticket.callback.decide"
CENTRE = "centre"


def channel_of(principal: Principal, ticket: Ticket) -> str:
    """The centre of the ticket's township, or the department system that posted the ticket."""
    for b in principal.bindings_for(RECORD):
        if b.dept is None and b.covers(ticket.area_code):
            return CENTRE
        if b.dept is not None and b.dept == ticket.intake_dept and b.covers(ticket.area_code, b.dept):
            return b.dept
    if not principal.can(RECORD):
        raise permission_denied(RECORD)
    raise scope_denied("only the centre or the system that posted the ticket calls the citizen back")


async def record(session: AsyncSession, principal: Principal, ticket_id: str, body: CallbackIn, env: Env) -> Ticket:
    ticket = await load_for_action(session, principal, ticket_id)
    channel = channel_of(principal, ticket)
    if not rules.needs_callback(ticket.source, bool(ticket.caller_name or ticket.caller_phone)):
        raise Problem(
            409, "no_citizen", "Not allowed", "this ticket has no citizen to call back", current_status=ticket.status
        )
    if ticket.status != TicketStatus.CALLBACK_PENDING:
        raise invalid_state(ticket, "call back")
    now = env.now
    actor = Actor.of(principal)
    resolved = body.resolved if body.resolved is not None else body.result != CallbackResult.DISSATISFIED
    ticket.callback_count += 1
    ticket.callback_result = body.result
    session.add(
        TicketCallback(
            id=new_id(),
            ticket_id=ticket.id,
            attempt=ticket.callback_count,
            result=body.result,
            resolved=resolved,
            note=body.note,
            channel=channel,
            recorded_at=now,
            recorded_by=actor.name,
        )
    )
    note = f"第{ticket.callback_count}次回访：{body.result.label_zh}" + (f"，{body.note}" if body.note else "")
    add_step(session, ticket, StepKind.CALLBACK, note, now, actor)
    unit = ticket.unit
    assert unit is not None
    await publish(
        session,
        ticket,
        CallbackRecorded(
            **ticket_fields(ticket, unit),
            result=body.result,
            resolved=resolved,
            attempt=ticket.callback_count,
            recorded_at=now,
        ),
    )
    outcome = rules.callback_outcome(
        body.result, reopened_before=ticket.callback_reopens, reopen_max=env.rules.callback_reopen_max
    )
    if outcome == "close":
        await close(session, ticket, env, actor)
    elif outcome == "reopen":
        ticket.callback_reopens += 1
        await reopen(session, ticket, env, actor, f"回访不满意：{body.note or ''}", failed_step=StepKind.CALLBACK)
    else:
        ticket.status = TicketStatus.AWAITING_DECISION
        ticket.state_at = now
        ticket.updated_at = now
    return ticket


async def decide(
    session: AsyncSession, principal: Principal, ticket_id: str, reopen_it: bool, note: str, env: Env
) -> Ticket:
    """The township leader decides a ticket dissatisfied again after rework: rework once more, or close."""
    ticket = await load_for_action(session, principal, ticket_id)
    require_scope(principal, DECIDE, ticket.area_code)
    if ticket.status != TicketStatus.AWAITING_DECISION:
        raise invalid_state(ticket, "decide the callback of")
    actor = Actor.of(principal)
    text = ("领导决定：再次返工" if reopen_it else "领导决定：予以办结") + f"，{note}"
    add_step(session, ticket, StepKind.CALLBACK_DECISION, text, env.now, actor)
    if reopen_it:
        ticket.callback_reopens += 1
        await reopen(session, ticket, env, actor, f"镇街领导决定返工：{note}", failed_step=StepKind.CALLBACK_DECISION)
    else:
        await close(session, ticket, env, actor)
    return ticket
