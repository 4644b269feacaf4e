"""HTTP routes of disputes (矛盾纠纷). The full record is audited by the gateway (policy/grid.toml)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from grid.disputes import service
from grid.disputes.models import Dispute, MediationStep
from grid.disputes.schemas import (
    DisputeCreate,
    DisputeDetail,
    DisputeKind,
    DisputeOut,
    DisputeParty,
    DisputePartyMasked,
    DisputeStatus,
    HandOver,
    MediationStepOut,
    Resolve,
    StepCreate,
)
from jiceng_shared.identity import Principal
from jiceng_shared.masking import mask_person_name
from jiceng_shared.openapi_problems import problems
from jiceng_shared.pagination import MAX_LIMIT
from jiceng_shared.service import Ctx, ReadSession, Tx, require

router = APIRouter(prefix="/disputes", tags=["disputes"])
Recorder = Annotated[Principal, Depends(require(service.RECORD))]


def to_out(d: Dispute) -> DisputeOut:
    kind, status = DisputeKind(d.kind), DisputeStatus(d.status)
    return DisputeOut(
        id=d.id,
        grid_code=d.grid_code,
        township_code=d.township_code,
        kind=kind,
        kind_zh=kind.label_zh,
        description=d.description,
        status=status,
        status_zh=status.label_zh,
        parties=[
            DisputePartyMasked(name_masked=mask_person_name(p["name"]), role=p.get("role", "party")) for p in d.parties
        ],
        outcome=d.outcome,
        incident_id=d.incident_id,
        created_at=d.created_at,
        closed_at=d.closed_at,
        version=d.version,
    )


def to_detail(d: Dispute, steps: list[MediationStep]) -> DisputeDetail:
    return DisputeDetail(
        **to_out(d).model_dump(),
        parties_full=[DisputeParty(**p) for p in d.parties],
        location=d.location,
        steps=[MediationStepOut(at=s.at, kind=s.kind, note=s.note, by_name=s.by_name) for s in steps],
    )


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
    return to_out(dispute)


@router.get("", response_model=list[DisputeOut], summary="Disputes in your scope (parties masked)")
async def list_disputes(
    session: ReadSession,
    principal: Annotated[Principal, Depends(require(service.LIST))],
    grid_code: Annotated[str | None, Query(pattern=r"^\d{15}$")] = None,
    status: DisputeStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> list[DisputeOut]:
    rows = await service.list_disputes(session, principal, grid_code=grid_code, status=status, limit=limit)
    return [to_out(d) for d in rows]


@router.get("/{dispute_id}", response_model=DisputeDetail, summary="One dispute with its parties and steps (audited)")
async def get_dispute(
    dispute_id: str, session: ReadSession, principal: Annotated[Principal, Depends(require(service.READ))]
) -> DisputeDetail:
    return to_detail(*await service.get_dispute(session, principal, dispute_id))


@router.post(
    "/{dispute_id}/mediation",
    response_model=DisputeOut,
    summary="Record a mediation step",
    openapi_extra=problems({409: ["dispute_closed"]}),
)
async def mediate(dispute_id: str, body: StepCreate, ctx: Ctx, session: Tx, principal: Recorder) -> DisputeOut:
    return to_out(await service.mediate(session, principal, dispute_id, body, now=ctx.now(), cal=ctx.calendar))


@router.post(
    "/{dispute_id}/resolve",
    response_model=DisputeOut,
    summary="Resolved in the grid: the agreement",
    openapi_extra=problems({409: ["dispute_closed"]}),
)
async def resolve(dispute_id: str, body: Resolve, ctx: Ctx, session: Tx, principal: Recorder) -> DisputeOut:
    return to_out(await service.resolve(session, principal, dispute_id, body, now=ctx.now(), cal=ctx.calendar))


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
    return to_out(dispute)
