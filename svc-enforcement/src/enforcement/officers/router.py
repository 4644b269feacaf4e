"""HTTP routes of officers."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from enforcement.officers import service
from enforcement.officers.schemas import OfficerOut, OfficerPut
from jiceng_shared.identity import Principal
from jiceng_shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, page_of
from jiceng_shared.service import Ctx, ReadSession, Tx, require

router = APIRouter(prefix="/officers", tags=["officers"])
Reader = Annotated[Principal, Depends(require(service.READ))]


@router.get("", response_model=Page[OfficerOut], summary="Enforcement officers in your scope, with certificates")
async def list_officers(
    ctx: Ctx,
    session: ReadSession,
    principal: Reader,
    township_code: Annotated[str | None, Query(pattern=r"^\d{12}$")] = None,
    valid_on: Annotated[dt.date | None, Query(description="only officers whose certificate is valid that day")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[OfficerOut]:
    on = valid_on or ctx.calendar.local_date(ctx.now())
    rows = await service.list_officers(
        session, principal, township_code=township_code, valid_on=valid_on, limit=limit, cursor=cursor
    )
    items, next_cursor = page_of(rows, limit)
    return Page[OfficerOut](items=[service.to_out(o, on) for o in items], next_cursor=next_cursor)


@router.get("/{username}", response_model=OfficerOut, summary="One officer and their certificate")
async def get_officer(username: str, ctx: Ctx, session: ReadSession, principal: Reader) -> OfficerOut:
    officer = await service.get_officer(session, principal, username)
    return service.to_out(officer, ctx.calendar.local_date(ctx.now()))


@router.put("/{username}", response_model=OfficerOut, summary="Register an officer or renew the certificate")
async def put_officer(
    username: Annotated[str, Path(pattern=r"^[A-Za-z0-9_.@-]{1,100}$")],
    body: OfficerPut,
    response: Response,
    ctx: Ctx,
    session: Tx,
    principal: Annotated[Principal, Depends(require(service.MANAGE))],
) -> OfficerOut:
    officer, created = await service.put_officer(session, principal, username, body, now=ctx.now())
    if created:
        response.status_code = 201
    return service.to_out(officer, ctx.calendar.local_date(ctx.now()))
