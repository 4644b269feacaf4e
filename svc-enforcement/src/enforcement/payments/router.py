"""HTTP routes of payment and enforcement of fines."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from enforcement.cases import service as cases
from enforcement.cases.schemas import CaseDetail
from enforcement.payments import service
from enforcement.payments.schemas import ArrangementIn, CourtApplicationIn, PaymentIn
from jiceng_shared.identity import Principal
from jiceng_shared.service import Ctx, Tx, require

router = APIRouter(prefix="/cases/{case_id}", tags=["service and payment"])


@router.post(
    "/payments",
    status_code=201,
    response_model=CaseDetail,
    summary="Record the bank's receipt of the next instalment and its late fee (3 %/day, capped at the amount)",
)
async def pay(
    case_id: str,
    body: PaymentIn,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(service.PAY))],
) -> CaseDetail:
    now = ctx.now()
    await service.pay(session, principal, case_id, body, calendar=ctx.calendar, now=now)
    return await cases.detail_in(session, case_id, ctx.calendar, now)


@router.post(
    "/payment-arrangement",
    response_model=CaseDetail,
    summary="Approve a deferral or instalments of the fine (the office's head, 行政处罚法 art. 66)",
)
async def arrange(
    case_id: str,
    body: ArrangementIn,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(service.APPROVE))],
) -> CaseDetail:
    now = ctx.now()
    await service.arrange(session, principal, case_id, body, calendar=ctx.calendar, now=now)
    return await cases.detail_in(session, case_id, ctx.calendar, now)


@router.post(
    "/court-application",
    status_code=201,
    response_model=CaseDetail,
    summary="Apply to the court for compulsory enforcement once the party's periods have run out unpaid",
)
async def apply_to_court(
    case_id: str,
    body: CourtApplicationIn,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(service.COURT))],
) -> CaseDetail:
    now = ctx.now()
    await service.apply_to_court(session, principal, case_id, body, calendar=ctx.calendar, now=now)
    return await cases.detail_in(session, case_id, ctx.calendar, now)
