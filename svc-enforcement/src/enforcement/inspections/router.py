"""HTTP routes of random inspections (双随机、一公开): registers, draws, verification, results."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from enforcement.inspections import service
from enforcement.inspections.schemas import (
    ConflictIn,
    PlanIn,
    PlanOut,
    PublicInspection,
    ResultsIn,
    TargetIn,
    TargetOut,
    VerificationOut,
)
from jiceng_shared.identity import Principal
from jiceng_shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, page_of
from jiceng_shared.service import Ctx, ReadSession, Tx, require

router = APIRouter(tags=["random inspections"])
Reader = Annotated[Principal, Depends(require(service.READ))]
Manager = Annotated[Principal, Depends(require(service.MANAGE))]
TownshipQuery = Annotated[str | None, Query(pattern=r"^\d{12}$")]


@router.post("/inspection-targets", status_code=201, response_model=TargetOut, summary="Add a target to the register")
async def add_target(body: TargetIn, ctx: Ctx, session: Tx, principal: Manager) -> TargetOut:
    return TargetOut.model_validate(await service.add_target(session, principal, body, now=ctx.now()))


@router.get("/inspection-targets", response_model=Page[TargetOut], summary="The register of inspection targets")
async def list_targets(
    session: ReadSession,
    principal: Reader,
    township_code: TownshipQuery = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[TargetOut]:
    rows = await service.list_targets(session, principal, township_code=township_code, limit=limit, cursor=cursor)
    items, next_cursor = page_of(rows, limit)
    return Page[TargetOut](items=[TargetOut.model_validate(t) for t in items], next_cursor=next_cursor)


@router.post(
    "/inspection-targets/{target_id}/conflicts",
    status_code=201,
    response_model=TargetOut,
    summary="Declare an inspector's conflict of interest with a target (never drawn for it)",
)
async def declare_conflict(target_id: str, body: ConflictIn, ctx: Ctx, session: Tx, principal: Manager) -> TargetOut:
    conflict = await service.declare_conflict(session, principal, target_id, body, now=ctx.now())
    target = await session.get(service.InspectionTarget, conflict.target_id)
    return TargetOut.model_validate(target)


@router.post(
    "/inspection-plans",
    status_code=201,
    response_model=PlanOut,
    summary="Draw a plan: ≥3 % of the register, ≥2 inspectors per target, conflicts excluded; seed and lists kept",
)
async def draw_plan(body: PlanIn, response: Response, ctx: Ctx, session: Tx, principal: Manager) -> PlanOut:
    plan = await service.draw_plan(
        session,
        principal,
        body,
        calendar=ctx.calendar,
        min_ratio=ctx.settings.inspection_min_ratio_percent,
        min_inspectors=ctx.settings.inspection_min_inspectors,
        now=ctx.now(),
    )
    response.headers["Location"] = f"{ctx.spec.api_prefix}/inspection-plans/{plan.id}"
    return await service.plan_out(session, plan)


@router.get("/inspection-plans/{plan_id}", response_model=PlanOut, summary="One plan: seed, candidates, draw, results")
async def get_plan(plan_id: str, session: ReadSession, principal: Reader) -> PlanOut:
    return await service.plan_out(session, await service.get_plan(session, principal, plan_id))


@router.get(
    "/inspection-plans/{plan_id}/verify",
    response_model=VerificationOut,
    summary="Recompute the draw from the stored seed and candidate lists",
)
async def verify_plan(plan_id: str, session: ReadSession, principal: Reader) -> VerificationOut:
    return service.verify(await service.get_plan(session, principal, plan_id))


@router.post(
    "/inspection-plans/{plan_id}/results",
    response_model=PlanOut,
    summary="Record and publish the results of every drawn target; a violation becomes a lead",
)
async def record_results(plan_id: str, body: ResultsIn, ctx: Ctx, session: Tx, principal: Manager) -> PlanOut:
    plan = await service.record_results(
        session,
        principal,
        plan_id,
        body,
        calendar=ctx.calendar,
        filing_workdays=ctx.settings.filing_workdays,
        now=ctx.now(),
    )
    return await service.plan_out(session, plan)


@router.get("/public/inspections", response_model=Page[PublicInspection], summary="Published random inspections")
async def public_inspections(
    session: ReadSession,
    township_code: TownshipQuery = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[PublicInspection]:
    rows = await service.public_plans(session, township_code=township_code, limit=limit, cursor=cursor)
    items, next_cursor = page_of(rows, limit)
    return Page[PublicInspection](items=[service.public_out(p) for p in items], next_cursor=next_cursor)


@router.get(
    "/public/inspections/{plan_id}/verify",
    response_model=VerificationOut,
    summary="Anyone may recompute a published draw from its seed and candidate lists",
)
async def public_verify(plan_id: str, session: ReadSession) -> VerificationOut:
    plan = await service.public_plan(session, plan_id)
    return service.verify(plan)
