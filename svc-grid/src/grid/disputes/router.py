"""HTTP routes of disputes (矛盾纠纷). The full record is audited by the gateway (policy/grid.toml)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from grid.disputes import queries, service
from grid.disputes.schemas import DisputeCreate, DisputeDetail, DisputeOut, DisputeStatus, HandOver, Resolve, StepCreate
from jiceng_shared.identity import Principal
from jiceng_shared.keyset import page_by_key
from jiceng_shared.openapi_problems import problems
from jiceng_shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page
from jiceng_shared.service import Ctx, ReadSession, Tx, require

router = APIRouter(prefix="/disputes", tags=["disputes"])
Recorder = Annotated[Principal, Depends(require(service.RECORD))]


@router.post(
    "",
    status_code=201,
    response_model=DisputeOut,
    summary="Record a dispute found in the grid",
    openapi_extra=problems({422: ["invalid_id_number", "invalid_phone", "unknown_grid"]}),
)
async def record(body: DisputeCreate, response: Response, ctx: Ctx, session: Tx, principal: Recorder) -> DisputeOut:
    dispute = await service.record(session, principal, body, now=ctx.now(), cal=ctx.calendar)
    response.headers["Location"] = f"{ctx.spec.api_prefix}/disputes/{dispute.id}"
    return queries.to_out(dispute)


@router.get("", response_model=Page[DisputeOut], summary="Disputes in your scope (parties masked), newest first")
async def list_disputes(
    session: ReadSession,
    principal: Annotated[Principal, Depends(require(service.LIST))],
    grid_code: Annotated[str | None, Query(pattern=r"^\d{15}$")] = None,
    status: DisputeStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[DisputeOut]:
    rows = await service.list_disputes(
        session, principal, grid_code=grid_code, status=status, limit=limit, cursor=cursor
    )
    page, next_cursor = page_by_key(rows, limit, queries.dispute_key)
    return Page[DisputeOut](items=[queries.to_out(d) for d in page], next_cursor=next_cursor)


@router.get("/{dispute_id}", response_model=DisputeDetail, summary="One dispute with its parties and steps (audited)")
async def get_dispute(
    dispute_id: str, session: ReadSession, principal: Annotated[Principal, Depends(require(service.READ))]
) -> DisputeDetail:
    return queries.to_detail(*await service.get_dispute(session, principal, dispute_id))


@router.post(
    "/{dispute_id}/mediation",
    response_model=DisputeOut,
    summary="Record a mediation step",
    openapi_extra=problems({409: ["dispute_closed"]}),
)
async def mediate(dispute_id: str, body: StepCreate, ctx: Ctx, session: Tx, principal: Recorder) -> DisputeOut:
    return queries.to_out(await service.mediate(session, principal, dispute_id, body, now=ctx.now(), cal=ctx.calendar))


@router.post(
    "/{dispute_id}/resolve",
    response_model=DisputeOut,
    summary="Resolved in the grid: the agreement",
    openapi_extra=problems({409: ["dispute_closed"]}),
)
async def resolve(dispute_id: str, body: Resolve, ctx: Ctx, session: Tx, principal: Recorder) -> DisputeOut:
    return queries.to_out(await service.resolve(session, principal, dispute_id, body, now=ctx.now(), cal=ctx.calendar))


@router.post(
    "/{dispute_id}/hand-over",
    response_model=DisputeOut,
    summary="Not resolved in the grid: hand it to the command centre as an incident",
    openapi_extra=problems({409: ["dispute_closed"], 422: ["unknown_category", "point_outside_grid"]}),
)
async def hand_over(dispute_id: str, body: HandOver, ctx: Ctx, session: Tx, principal: Recorder) -> DisputeOut:
    dispute = await service.hand_over(
        session,
        principal,
        dispute_id,
        body,
        now=ctx.now(),
        cal=ctx.calendar,
        attachment_max_bytes=ctx.settings.attachment_max_bytes,
    )
    return queries.to_out(dispute)
