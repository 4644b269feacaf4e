"""HTTP routes of squads and joint operations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from enforcement.squads import service
from enforcement.squads.schemas import JointOperationIn, JointOperationOut, PartIn, SquadIn, SquadOut
from jiceng_shared.identity import Principal
from jiceng_shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, page_of
from jiceng_shared.service import Ctx, ReadSession, Tx, require

router = APIRouter(tags=["squads and joint operations"])
Operator = Annotated[Principal, Depends(require(service.OPERATE))]


@router.post(
    "/squads",
    status_code=201,
    response_model=SquadOut,
    summary="Register a squad: the township's own, or a stationed squad under dual leadership (60/40)",
)
async def register_squad(
    body: SquadIn,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(service.MANAGE))],
) -> SquadOut:
    squad = await service.register(
        session,
        principal,
        body,
        calendar=ctx.calendar,
        min_township_percent=ctx.settings.stationed_township_weight_percent,
        now=ctx.now(),
    )
    return SquadOut.model_validate(squad)


@router.get("/squads", response_model=Page[SquadOut], summary="Squads in your scope")
async def list_squads(
    session: ReadSession,
    principal: Annotated[Principal, Depends(require(service.READ))],
    township_code: Annotated[str | None, Query(pattern=r"^\d{12}$")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[SquadOut]:
    rows = await service.list_squads(session, principal, township_code=township_code, limit=limit, cursor=cursor)
    items, next_cursor = page_of(rows, limit)
    return Page[SquadOut](items=[SquadOut.model_validate(s) for s in items], next_cursor=next_cursor)


@router.post(
    "/joint-operations",
    status_code=201,
    response_model=JointOperationOut,
    summary="Start a 1+1+N joint operation: one ticket, one squad, N departments with their tasks",
)
async def start_operation(
    body: JointOperationIn, response: Response, ctx: Ctx, session: Tx, principal: Operator
) -> JointOperationOut:
    operation = await service.start_operation(session, principal, body, calendar=ctx.calendar, now=ctx.now())
    response.headers["Location"] = f"{ctx.spec.api_prefix}/joint-operations/{operation.id}"
    return JointOperationOut.of(operation)


@router.get("/joint-operations/{operation_id}", response_model=JointOperationOut, summary="One joint operation")
async def get_operation(
    operation_id: str, session: ReadSession, principal: Annotated[Principal, Depends(require(service.READ))]
) -> JointOperationOut:
    return JointOperationOut.of(await service.get_operation(session, principal, operation_id))


@router.post(
    "/joint-operations/{operation_id}/parts",
    response_model=JointOperationOut,
    summary="Record one department's part (its own staff, or the township's officers for it)",
)
async def record_part(
    operation_id: str,
    body: PartIn,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(service.PART))],
) -> JointOperationOut:
    return JointOperationOut.of(await service.record_part(session, principal, operation_id, body, now=ctx.now()))


@router.post(
    "/joint-operations/{operation_id}/complete",
    response_model=JointOperationOut,
    summary="Complete the operation once every department's part is on record; assessment is told",
)
async def complete(operation_id: str, ctx: Ctx, session: Tx, principal: Operator) -> JointOperationOut:
    return JointOperationOut.of(await service.complete(session, principal, operation_id, now=ctx.now()))
