"""HTTP routes of disclosure: the office publishes and withdraws; anyone reads the public list.

The public routes live under ``/public`` (permission ``public``): the gateway forwards them with
the anonymous principal and rate-limits them per address; nothing here reads who calls.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from enforcement.decisions.rules import PenaltyCode
from enforcement.disclosure import queries, service
from enforcement.disclosure.schemas import DisclosureIn, DisclosureOut, PublicDisclosure, WithdrawalIn
from jiceng_shared.errors import not_found
from jiceng_shared.identity import Principal
from jiceng_shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, page_of
from jiceng_shared.service import Ctx, ReadSession, Tx, require

router = APIRouter(tags=["disclosure"])
Discloser = Annotated[Principal, Depends(require(service.DISCLOSE))]


@router.post(
    "/cases/{case_id}/disclosure",
    status_code=201,
    response_model=DisclosureOut,
    summary="Publish the decision (执法公示) within 7 working days, the party masked",
)
async def publish(case_id: str, body: DisclosureIn, ctx: Ctx, session: Tx, principal: Discloser) -> DisclosureOut:
    disclosure = await service.publish(
        session,
        principal,
        case_id,
        body,
        calendar=ctx.calendar,
        workdays=ctx.settings.disclosure_workdays,
        now=ctx.now(),
    )
    return DisclosureOut.of(disclosure)


@router.post(
    "/cases/{case_id}/disclosure/withdraw",
    response_model=DisclosureOut,
    summary="Withdraw the publication of a revoked or changed decision within 3 working days",
)
async def withdraw(case_id: str, body: WithdrawalIn, ctx: Ctx, session: Tx, principal: Discloser) -> DisclosureOut:
    disclosure = await service.withdraw(
        session,
        principal,
        case_id,
        body,
        calendar=ctx.calendar,
        workdays=ctx.settings.withdrawal_workdays,
        now=ctx.now(),
    )
    return DisclosureOut.of(disclosure)


@router.get(
    "/public/disclosures",
    response_model=Page[PublicDisclosure],
    summary="Published decisions, newest first; search by number, item, party or facts",
)
async def public_list(
    session: ReadSession,
    q: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    township_code: Annotated[str | None, Query(pattern=r"^\d{12}$")] = None,
    penalty: PenaltyCode | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[PublicDisclosure]:
    rows = await queries.public_list(
        session, q=q, township_code=township_code, penalty=penalty, limit=limit, cursor=cursor
    )
    items, next_cursor = page_of(rows, limit)
    return Page[PublicDisclosure](items=[PublicDisclosure.of(d) for d in items], next_cursor=next_cursor)


@router.get("/public/disclosures/{disclosure_id}", response_model=PublicDisclosure, summary="One published decision")
async def public_one(disclosure_id: str, session: ReadSession) -> PublicDisclosure:
    disclosure = await queries.public_one(session, disclosure_id)
    if disclosure is None:
        raise not_found("disclosure", disclosure_id)
    return PublicDisclosure.of(disclosure)
