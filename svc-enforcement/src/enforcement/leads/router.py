"""HTTP routes of leads."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from enforcement.leads import service
from enforcement.leads.schemas import LeadOut, TransferIn
from jiceng_shared.identity import Principal
from jiceng_shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, page_of
from jiceng_shared.service import Ctx, require

router = APIRouter(prefix="/leads", tags=["leads"])
Reader = Annotated[Principal, Depends(require(service.READ))]
LeadStatus = Literal["received", "case_opened", "transferred", "case_closed"]


@router.get("", response_model=Page[LeadOut], summary="Leads in your scope, newest first")
async def list_leads(
    ctx: Ctx,
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
    async with ctx.db.session() as session:
        rows = await service.list_leads(session, principal, filters=filters, limit=limit, cursor=cursor)
    page, next_cursor = _page(rows, limit)
    now = ctx.now()
    return Page[LeadOut](
        items=[service.to_out(lead, t, ctx.calendar, now) for lead, t in page], next_cursor=next_cursor
    )


def _page(rows: list, limit: int) -> tuple[list, str | None]:
    """page_of on the leads of (lead, transfer) rows."""
    leads, next_cursor = page_of([lead for lead, _ in rows], limit)
    return rows[: len(leads)], next_cursor


@router.get("/{lead_id}", response_model=LeadOut, summary="One lead, with its transfer if any")
async def get_lead(lead_id: str, ctx: Ctx, principal: Reader) -> LeadOut:
    async with ctx.db.session() as session:
        lead = await service.get_lead(session, principal, lead_id)
        transfer = await service.transfer_of(session, lead.id)
    return service.to_out(lead, transfer, ctx.calendar, ctx.now())


@router.post(
    "/{lead_id}/transfer",
    response_model=LeadOut,
    summary="Transfer (移送) a lead outside the township's delegated powers to the competent department",
)
async def transfer_lead(
    lead_id: str,
    body: TransferIn,
    ctx: Ctx,
    principal: Annotated[Principal, Depends(require(service.TRANSFER))],
) -> LeadOut:
    async with ctx.db.transaction() as session:
        lead, transfer = await service.transfer(session, principal, lead_id, body, calendar=ctx.calendar, now=ctx.now())
    return service.to_out(lead, transfer, ctx.calendar, ctx.now())
