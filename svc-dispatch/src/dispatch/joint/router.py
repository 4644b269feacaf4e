"""HTTP routes of joint action (联合执法) and the parts of cooperating units."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from dispatch.joint import queries, service
from dispatch.joint.schemas import JointActionIn, JointActionOut, PartFeedbackIn, PartOut
from dispatch.tickets.service import env_of
from jiceng_shared.identity import Principal
from jiceng_shared.service import Ctx, Tx, require

router = APIRouter(prefix="/tickets", tags=["joint action"])


@router.post(
    "/{ticket_id}/joint-action",
    status_code=201,
    response_model=JointActionOut,
    summary="Bring one enforcement squad and N departments onto the ticket (联合执法 1+1+N)",
)
async def joint_action(
    ticket_id: str,
    body: JointActionIn,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(service.JOINT))],
) -> JointActionOut:
    parts = await service.joint_action(session, principal, ticket_id, body, env_of(ctx))
    return JointActionOut(items=[queries.to_out(p) for p in parts])


@router.post(
    "/{ticket_id}/parts/{part_id}/feedback",
    response_model=PartOut,
    summary="A cooperating or joint-action unit answers for its part",
)
async def part_feedback(
    ticket_id: str,
    part_id: str,
    body: PartFeedbackIn,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(service.PART_FEEDBACK))],
) -> PartOut:
    part = await service.part_feedback(session, principal, ticket_id, part_id, body.outcome, env_of(ctx))
    return queries.to_out(part)
