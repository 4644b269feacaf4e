"""HTTP routes of summons (吹哨) and answers (报到)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from dispatch.summons import queries, service
from dispatch.summons.schemas import SummonsAnswerIn, SummonsIn, SummonsMade, SummonsOut
from dispatch.tickets.service import env_of
from jiceng_shared.identity import Principal
from jiceng_shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page
from jiceng_shared.service import Ctx, ReadSession, Tx, require

router = APIRouter(tags=["summons"])


@router.post(
    "/tickets/{ticket_id}/summons",
    status_code=201,
    response_model=SummonsMade,
    summary="Summon departments to a ticket (街乡吹哨) with a time to report",
)
async def summon(
    ticket_id: str,
    body: SummonsIn,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(service.ISSUE))],
) -> SummonsMade:
    env = env_of(ctx)
    made = await service.issue(session, principal, ticket_id, body, env)
    return SummonsMade(items=[queries.to_out(s, env.now) for s in made])


@router.post(
    "/summons/{summons_id}/answer", response_model=SummonsOut, summary="The summoned department reports (部门报到)"
)
async def answer_summons(
    summons_id: str,
    body: SummonsAnswerIn,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(service.ANSWER))],
) -> SummonsOut:
    env = env_of(ctx)
    s = await service.answer(session, principal, summons_id, body.arrived, body.action, env)
    return queries.to_out(s, env.now)


@router.get("/summons", response_model=Page[SummonsOut], summary="Summons in your scope, newest first")
async def list_summons(
    ctx: Ctx,
    session: ReadSession,
    principal: Annotated[Principal, Depends(require(queries.READ))],
    ticket_id: str | None = None,
    unit: Annotated[str | None, Query(description="unit code <area code>:<department>")] = None,
    answered: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[SummonsOut]:
    return await queries.page(
        session, principal, ctx.now(), ticket_id=ticket_id, unit=unit, answered=answered, limit=limit, cursor=cursor
    )
