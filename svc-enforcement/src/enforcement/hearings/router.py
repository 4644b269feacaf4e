"""HTTP routes of hearings and statements of the party."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from enforcement.cases import service as cases
from enforcement.cases.schemas import CaseDetail
from enforcement.hearings import service
from enforcement.hearings.schemas import HearingRecordIn, HearingRequestIn, HearingScheduleIn, StatementIn
from jiceng_shared.identity import Principal
from jiceng_shared.service import Ctx, Tx, require

router = APIRouter(prefix="/cases/{case_id}", tags=["hearings"])
Officer = Annotated[Principal, Depends(require(service.HEARING))]


@router.post(
    "/hearing-request",
    status_code=201,
    response_model=CaseDetail,
    summary="Record the party's request for a hearing, or its express waiver (听证申请)",
)
async def request_hearing(
    case_id: str, body: HearingRequestIn, ctx: Ctx, session: Tx, principal: Officer
) -> CaseDetail:
    now = ctx.now()
    await service.request(session, principal, case_id, body, calendar=ctx.calendar, now=now)
    return await cases.detail_in(session, case_id, ctx.calendar, now)


@router.post(
    "/hearing/schedule",
    response_model=CaseDetail,
    summary="Notify the hearing (听证通知): time, place, hearing officer, public or not",
)
async def schedule_hearing(
    case_id: str, body: HearingScheduleIn, ctx: Ctx, session: Tx, principal: Officer
) -> CaseDetail:
    now = ctx.now()
    await service.schedule(
        session,
        principal,
        case_id,
        body,
        calendar=ctx.calendar,
        now=now,
        notice_days=ctx.settings.hearing_notice_days,
    )
    return await cases.detail_in(session, case_id, ctx.calendar, now)


@router.post("/hearing/record", response_model=CaseDetail, summary="The hearing officer's record (听证笔录)")
async def record_hearing(
    case_id: str,
    body: HearingRecordIn,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(service.HOLD))],
) -> CaseDetail:
    now = ctx.now()
    await service.hold(session, principal, case_id, body, now=now)
    return await cases.detail_in(session, case_id, ctx.calendar, now)


@router.post(
    "/statements",
    status_code=201,
    response_model=CaseDetail,
    summary="Record the party's statement or defence (陈述申辩) and its review",
)
async def add_statement(case_id: str, body: StatementIn, ctx: Ctx, session: Tx, principal: Officer) -> CaseDetail:
    now = ctx.now()
    await service.add_statement(session, principal, case_id, body, calendar=ctx.calendar, now=now)
    return await cases.detail_in(session, case_id, ctx.calendar, now)
