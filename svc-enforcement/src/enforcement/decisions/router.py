"""HTTP routes of the decision of a case: rights notice, legal review, decision."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response

from enforcement.cases import service as cases
from enforcement.cases.schemas import CaseDetail
from enforcement.decisions import service
from enforcement.decisions.schemas import (
    DecisionIn,
    DeliberationIn,
    LegalReviewIn,
    QualificationIn,
    QualificationOut,
    RightsNoticeIn,
)
from enforcement.service_of_documents.rules import ExecutionRules
from jiceng_shared.identity import Principal
from jiceng_shared.service import Ctx, Tx, require

router = APIRouter(prefix="/cases/{case_id}", tags=["cases"])
reviewers = APIRouter(prefix="/legal-reviewers", tags=["cases"])


def _config(ctx: Ctx) -> service.DecisionRules:
    return service.DecisionRules.from_settings(ctx.settings)


@router.post(
    "/rights-notice",
    status_code=201,
    response_model=CaseDetail,
    summary="Record the rights notice (事先告知: proposed decision, statement and defence)",
)
async def notify_rights(
    case_id: str,
    body: RightsNoticeIn,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(service.NOTIFY))],
) -> CaseDetail:
    await service.notify_rights(
        session, principal, case_id, body, calendar=ctx.calendar, config=_config(ctx), now=ctx.now()
    )
    return await cases.read_detail(session, principal, case_id, ctx.calendar, ctx.now())


@router.post(
    "/legal-review",
    status_code=201,
    response_model=CaseDetail,
    summary="Record the legal review (法制审核) of the proposed decision",
)
async def legal_review(
    case_id: str,
    body: LegalReviewIn,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(service.REVIEW))],
) -> CaseDetail:
    await service.legal_review(session, principal, case_id, body, calendar=ctx.calendar, now=ctx.now())
    return await cases.read_detail(session, principal, case_id, ctx.calendar, ctx.now())


@router.post(
    "/decision", status_code=201, response_model=CaseDetail, summary="Decide the case (summary or ordinary procedure)"
)
async def decide(
    case_id: str,
    body: DecisionIn,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(service.DECIDE))],
) -> CaseDetail:
    await service.decide(
        session,
        principal,
        case_id,
        body,
        calendar=ctx.calendar,
        config=_config(ctx),
        execution=ExecutionRules.from_settings(ctx.settings),
        now=ctx.now(),
    )
    return await cases.read_detail(session, principal, case_id, ctx.calendar, ctx.now())


@router.post(
    "/legal-review/submit",
    response_model=CaseDetail,
    summary="Submit the file to legal review (送审): due within 10 working days",
)
async def submit_for_review(
    case_id: str, ctx: Ctx, session: Tx, principal: Annotated[Principal, Depends(require(service.DECIDE))]
) -> CaseDetail:
    now = ctx.now()
    await service.submit_for_review(session, principal, case_id, calendar=ctx.calendar, config=_config(ctx), now=now)
    return await cases.detail_in(session, case_id, ctx.calendar, now)


@router.post(
    "/deliberation",
    status_code=201,
    response_model=CaseDetail,
    summary="Minute the collective deliberation (集体讨论) of a major case by the office's leaders",
)
async def deliberate(
    case_id: str,
    body: DeliberationIn,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(service.DELIBERATE))],
) -> CaseDetail:
    now = ctx.now()
    await service.deliberate(session, principal, case_id, body, config=_config(ctx), now=now)
    return await cases.detail_in(session, case_id, ctx.calendar, now)


@reviewers.put(
    "/{username}",
    response_model=QualificationOut,
    summary="Register or renew a legal reviewer's legal professional qualification (法律职业资格)",
)
async def put_qualification(
    username: Annotated[str, Path(pattern=r"^[A-Za-z0-9_.@-]{1,100}$")],
    body: QualificationIn,
    response: Response,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(service.QUALIFY))],
) -> QualificationOut:
    row, created = await service.put_qualification(session, principal, username, body, now=ctx.now())
    if created:
        response.status_code = 201
    return QualificationOut.model_validate(row)
