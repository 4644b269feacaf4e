"""HTTP routes of callbacks (回访)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from dispatch.callbacks import service
from dispatch.callbacks.schemas import CallbackDecisionIn, CallbackIn
from dispatch.tickets.queries import detail_of
from dispatch.tickets.schemas import TicketDetail
from dispatch.tickets.service import env_of
from jiceng_shared.identity import Principal
from jiceng_shared.service import Ctx, Tx, require

router = APIRouter(prefix="/tickets", tags=["callbacks"])


@router.post(
    "/{ticket_id}/callback",
    response_model=TicketDetail,
    summary="Record the citizen's satisfaction callback (回访): closes, or reopens the ticket",
)
async def record_callback(
    ticket_id: str,
    body: CallbackIn,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(service.RECORD))],
) -> TicketDetail:
    env = env_of(ctx)
    ticket = await service.record(session, principal, ticket_id, body, env)
    return await detail_of(session, ticket, principal, env.now)


@router.post(
    "/{ticket_id}/callback/decision",
    response_model=TicketDetail,
    summary="The township leader decides a ticket still dissatisfied after rework",
)
async def decide_callback(
    ticket_id: str,
    body: CallbackDecisionIn,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(service.DECIDE))],
) -> TicketDetail:
    env = env_of(ctx)
    ticket = await service.decide(session, principal, ticket_id, body.reopen, body.note, env)
    return await detail_of(session, ticket, principal, env.now)
