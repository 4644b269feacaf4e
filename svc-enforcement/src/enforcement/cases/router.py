"""HTTP routes of cases."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy.ext.asyncio import AsyncSession

from enforcement.cases import service
from enforcement.cases.schemas import CaseClose, CaseDetail, CaseExtensionIn, CaseOpen, CaseOut, CaseStatus
from jiceng_shared.identity import Principal
from jiceng_shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page
from jiceng_shared.service import Ctx, ReadSession, Tx, require

router = APIRouter(prefix="/cases", tags=["cases"])
Reader = Annotated[Principal, Depends(require(service.READ))]


def _config(ctx: Ctx) -> service.CaseRules:
    return service.CaseRules.from_settings(ctx.settings)


async def _detail(ctx: Ctx, session: AsyncSession, principal: Principal, case_id: str) -> CaseDetail:
    return await service.read_detail(session, principal, case_id, ctx.calendar, ctx.now())


@router.get("", response_model=Page[CaseOut], summary="Cases in your scope, newest first")
async def list_cases(
    ctx: Ctx,
    session: ReadSession,
    principal: Reader,
    status: CaseStatus | None = None,
    lead_id: str | None = None,
    ticket_id: str | None = None,
    correlation_id: str | None = None,
    number: str | None = None,
    township_code: Annotated[str | None, Query(pattern=r"^\d{12}$")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[CaseOut]:
    filters = {
        "status": status,
        "lead_id": lead_id,
        "ticket_id": ticket_id,
        "correlation_id": correlation_id,
        "number": number,
        "township_code": township_code,
    }
    return await service.cases_page(
        session, principal, filters=filters, limit=limit, cursor=cursor, calendar=ctx.calendar, now=ctx.now()
    )


@router.post(
    "",
    status_code=201,
    response_model=CaseDetail,
    summary="Register (立案) a case from a lead, with at least two certified officers",
)
async def open_case(
    body: CaseOpen,
    response: Response,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(service.OPEN))],
) -> CaseDetail:
    case = await service.open_case(session, principal, body, calendar=ctx.calendar, config=_config(ctx), now=ctx.now())
    response.headers["Location"] = f"{ctx.spec.api_prefix}/cases/{case.id}"
    return await _detail(ctx, session, principal, case.id)


@router.get("/{case_id}", response_model=CaseDetail, summary="One case with its notices, reviews and decision")
async def get_case(case_id: str, ctx: Ctx, session: ReadSession, principal: Reader) -> CaseDetail:
    return await _detail(ctx, session, principal, case_id)


@router.post("/{case_id}/close", response_model=CaseDetail, summary="Close a decided case (结案) with its outcome")
async def close_case(
    case_id: str,
    body: CaseClose,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(service.CLOSE))],
) -> CaseDetail:
    await service.close(session, principal, case_id, body, calendar=ctx.calendar, now=ctx.now())
    return await _detail(ctx, session, principal, case_id)


@router.post(
    "/{case_id}/extension",
    response_model=CaseDetail,
    summary="Extend the decision limit once by 30 days (the office's head, with reasons)",
)
async def extend_case(
    case_id: str,
    body: CaseExtensionIn,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(service.EXTEND))],
) -> CaseDetail:
    now = ctx.now()
    await service.extend(session, principal, case_id, body, calendar=ctx.calendar, config=_config(ctx), now=now)
    return await service.detail_in(session, case_id, ctx.calendar, now)
