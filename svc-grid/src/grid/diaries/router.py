"""HTTP routes of work diaries (002 art. 20)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from grid.diaries import queries, rules, service
from grid.diaries.schemas import DiaryCreate, DiaryOut, DiaryStatus, DiaryUpdate, MissingDiary
from jiceng_shared.identity import Principal
from jiceng_shared.keyset import page_by_key, page_in_memory
from jiceng_shared.openapi_problems import problems
from jiceng_shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page
from jiceng_shared.service import Ctx, ReadSession, Tx, require

router = APIRouter(prefix="/diaries", tags=["diaries"])
Reader = Annotated[Principal, Depends(require(service.READ))]
Writer = Annotated[Principal, Depends(require(service.WRITE))]


@router.post(
    "",
    status_code=201,
    response_model=DiaryOut,
    summary="Open the day's diary, prefilled from its records",
    openapi_extra=problems({409: ["diary_exists"], 422: ["day_in_future", "not_a_working_day", "unknown_grid"]}),
)
async def open_diary(body: DiaryCreate, response: Response, ctx: Ctx, session: Tx, principal: Writer) -> DiaryOut:
    diary = await service.open_diary(
        session, principal, body, now=ctx.now(), cal=ctx.calendar, workdays_only=ctx.settings.diary_workdays_only
    )
    response.headers["Location"] = f"{ctx.spec.api_prefix}/diaries/{diary.id}"
    return queries.to_out(diary)


@router.get("", response_model=Page[DiaryOut], summary="Diaries in your scope (and your own), newest day first")
async def list_diaries(
    session: ReadSession,
    principal: Reader,
    grid_code: Annotated[str | None, Query(pattern=r"^\d{15}$")] = None,
    worker_id: str | None = None,
    status: DiaryStatus | None = None,
    from_: Annotated[dt.date | None, Query(alias="from")] = None,
    to: dt.date | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[DiaryOut]:
    rows = await service.list_diaries(
        session,
        principal,
        grid_code=grid_code,
        worker_id=worker_id,
        status=status,
        first=from_,
        last=to,
        limit=limit,
        cursor=cursor,
    )
    diaries, next_cursor = page_by_key(rows, limit, queries.diary_key)
    return Page[DiaryOut](items=[queries.to_out(d) for d in diaries], next_cursor=next_cursor)


@router.get(
    "/missing",
    response_model=Page[MissingDiary],
    summary="Working days a grid worker wrote no diary for, by grid and day",
    openapi_extra=problems({422: ["period_reversed", "period_too_long"]}),
)
async def missing(
    ctx: Ctx,
    session: ReadSession,
    principal: Reader,
    grid_code: Annotated[str | None, Query(pattern=r"^\d{15}$")] = None,
    from_: Annotated[dt.date | None, Query(alias="from")] = None,
    to: dt.date | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[MissingDiary]:
    """By default the 30 days up to yesterday (today's diary is not missing yet)."""
    last = to or ctx.calendar.local_date(ctx.now()) - dt.timedelta(days=1)
    first = from_ or last - dt.timedelta(days=29)
    rules.check_span(first, last, ctx.settings.diary_missing_max_days).raise_if_any()
    rows = await service.missing(
        session,
        principal,
        grid_code=grid_code,
        first=first,
        last=last,
        cal=ctx.calendar,
        workdays_only=ctx.settings.diary_workdays_only,
    )
    found = sorted(
        (MissingDiary(grid_code=g, worker_id=w, worker_name=n, day=d) for g, w, n, d in rows), key=queries.missing_key
    )
    items, next_cursor = page_in_memory(found, limit, cursor, queries.missing_key)
    return Page[MissingDiary](items=items, next_cursor=next_cursor)


@router.get("/{diary_id}", response_model=DiaryOut, summary="One diary")
async def get_diary(diary_id: str, session: ReadSession, principal: Reader) -> DiaryOut:
    return queries.to_out(await service.load_readable(session, principal, diary_id))


@router.patch(
    "/{diary_id}",
    response_model=DiaryOut,
    summary="Complete your diary (until it is signed)",
    openapi_extra=problems({403: ["not_diary_author"], 409: ["diary_signed"]}),
)
async def complete(diary_id: str, body: DiaryUpdate, ctx: Ctx, session: Tx, principal: Writer) -> DiaryOut:
    return queries.to_out(await service.complete(session, principal, diary_id, body, now=ctx.now(), cal=ctx.calendar))


@router.post(
    "/{diary_id}/sign",
    response_model=DiaryOut,
    summary="The community director signs the diary",
    openapi_extra=problems({403: ["not_community_director"], 409: ["diary_signed"]}),
)
async def sign(
    diary_id: str, ctx: Ctx, session: Tx, principal: Annotated[Principal, Depends(require(service.SIGN))]
) -> DiaryOut:
    return queries.to_out(await service.sign(session, principal, diary_id, now=ctx.now()))
