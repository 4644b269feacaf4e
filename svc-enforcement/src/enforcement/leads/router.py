"""HTTP routes of leads."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from enforcement.leads import service
from enforcement.leads.rules import LeadStatus
from enforcement.leads.schemas import LeadExtensionIn, LeadIn, LeadOut, NotFiledIn, TransferIn
from jiceng_shared.identity import Principal
from jiceng_shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page
from jiceng_shared.service import Ctx, ReadSession, Tx, require

router = APIRouter(prefix="/leads", tags=["leads"])
Reader = Annotated[Principal, Depends(require(service.READ))]


@router.get("", response_model=Page[LeadOut], summary="Leads in your scope, newest first")
async def list_leads(
    ctx: Ctx,
    session: ReadSession,
    principal: Reader,
    status: LeadStatus | None = None,
    ticket_id: str | None = None,
    correlation_id: str | None = None,
    delegated: bool | None = None,
    category: str | None = None,
    township_code: Annotated[str | None, Query(pattern=r"^\d{12}$")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[LeadOut]:
    filters = {
        "status": status,
        "ticket_id": ticket_id,
        "correlation_id": correlation_id,
        "delegated": delegated,
        "category": category,
        "township_code": township_code,
    }
    return await service.leads_page(
        session, principal, filters=filters, limit=limit, cursor=cursor, calendar=ctx.calendar, now=ctx.now()
    )


@router.get("/{lead_id}", response_model=LeadOut, summary="One lead, with its transfer if any")
async def get_lead(lead_id: str, ctx: Ctx, session: ReadSession, principal: Reader) -> LeadOut:
    lead = await service.get_lead(session, principal, lead_id)
    transfer = await service.transfer_of(session, lead.id)
    return await service.lead_out(session, lead, transfer, ctx.calendar, ctx.now())


@router.post(
    "/{lead_id}/transfer",
    response_model=LeadOut,
    summary="Transfer (移送) a lead outside the township's delegated powers to the competent department",
)
async def transfer_lead(
    lead_id: str,
    body: TransferIn,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(service.TRANSFER))],
) -> LeadOut:
    lead, transfer = await service.transfer(session, principal, lead_id, body, calendar=ctx.calendar, now=ctx.now())
    return await service.lead_out(session, lead, transfer, ctx.calendar, ctx.now())


@router.post(
    "",
    status_code=201,
    response_model=LeadOut,
    summary="Record a lead the office found or received: patrol, complaint, report, a transfer in",
)
async def create_lead(
    body: LeadIn,
    response: Response,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(service.CREATE))],
) -> LeadOut:
    now = ctx.now()
    lead = await service.create(
        session, principal, body, calendar=ctx.calendar, filing_workdays=ctx.settings.filing_workdays, now=now
    )
    response.headers["Location"] = f"{ctx.spec.api_prefix}/leads/{lead.id}"
    return await service.lead_out(session, lead, None, ctx.calendar, now)


@router.post("/{lead_id}/not-filed", response_model=LeadOut, summary="Decide not to file (不予立案), with the ground")
async def not_file(
    lead_id: str,
    body: NotFiledIn,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(service.DECIDE))],
) -> LeadOut:
    now = ctx.now()
    lead = await service.not_file(session, principal, lead_id, body, now=now)
    return await service.lead_out(session, lead, None, ctx.calendar, now)


@router.post(
    "/{lead_id}/extension",
    response_model=LeadOut,
    summary="Extend the filing limit once by 15 working days (the office's head, with reasons)",
)
async def extend_filing(
    lead_id: str,
    body: LeadExtensionIn,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(service.EXTEND))],
) -> LeadOut:
    now = ctx.now()
    lead = await service.extend_filing(
        session,
        principal,
        lead_id,
        body,
        calendar=ctx.calendar,
        workdays=ctx.settings.filing_extension_workdays,
        now=now,
    )
    return await service.lead_out(session, lead, None, ctx.calendar, now)
