"""HTTP routes of supervision orders (督办单)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from dispatch.supervision import queries, service
from dispatch.supervision.schemas import ManualOrderIn, SupervisionAnswerIn, SupervisionOrderOut
from dispatch.tickets.enums import SupervisedLimit
from dispatch.tickets.service import env_of
from jiceng_shared.identity import Principal
from jiceng_shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, page_of
from jiceng_shared.service import Ctx, ReadSession, Tx, require

router = APIRouter(tags=["supervision"])


@router.get(
    "/supervision-orders",
    response_model=Page[SupervisionOrderOut],
    summary="Supervision orders in your scope, newest first",
)
async def list_orders(
    ctx: Ctx,
    session: ReadSession,
    principal: Annotated[Principal, Depends(require(queries.READ))],
    ticket_id: str | None = None,
    limit_kind: Annotated[SupervisedLimit | None, Query(alias="limit_kind")] = None,
    answered: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[SupervisionOrderOut]:
    now = ctx.now()
    rows = await queries.list_orders(
        session, principal, ticket_id=ticket_id, limit_kind=limit_kind, answered=answered, limit=limit, cursor=cursor
    )
    items, next_cursor = page_of(rows, limit)
    return Page[SupervisionOrderOut](items=[queries.to_out(o, now) for o in items], next_cursor=next_cursor)


@router.post(
    "/supervision-orders/{order_id}/answer",
    response_model=SupervisionOrderOut,
    summary="The addressee answers a supervision order in writing",
)
async def answer_order(
    order_id: str,
    body: SupervisionAnswerIn,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(service.ANSWER))],
) -> SupervisionOrderOut:
    env = env_of(ctx)
    order = await service.answer(session, principal, order_id, body.answer, env)
    return queries.to_out(order, env.now)


@router.post(
    "/tickets/{ticket_id}/supervision-orders",
    status_code=201,
    response_model=SupervisionOrderOut,
    summary="The centre or the township leader supervises a ticket by hand (人工督办)",
)
async def issue(
    ticket_id: str,
    body: ManualOrderIn,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(service.ISSUE))],
) -> SupervisionOrderOut:
    env = env_of(ctx)
    order = await service.issue_manual(session, principal, ticket_id, body.addressee, body.demand, env)
    return queries.to_out(order, env.now)
