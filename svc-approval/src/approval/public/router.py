"""Public routes: anyone may read the guides; the status page and rating need the codes on paper.

The gateway forwards these with the anonymous principal (permission ``public``); nothing here
reads who calls, and nothing a public route answers names a clerk's colleague or a rater.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from approval.applications import queries as applications_queries
from approval.applications import service as applications
from approval.applications.schemas import PublicStatus, PublicStatusLookup
from approval.catalogue import queries as catalogue_queries
from approval.catalogue import service as catalogue
from approval.catalogue.schemas import GuideOut, GuideSummary, ItemKind
from approval.deps import statutory_limits, today
from approval.ratings import queries as rating_queries
from approval.ratings import service as ratings
from approval.ratings.schemas import PublicRatingOut, RatingCreate
from jiceng_shared.errors import not_found
from jiceng_shared.openapi_problems import problems
from jiceng_shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, page_of
from jiceng_shared.service import Ctx, ReadSession, Tx

router = APIRouter(prefix="/public", tags=["public"])


@router.get("/guides", response_model=Page[GuideSummary], summary="Service guides (办事指南) of the items in force")
async def list_guides(
    ctx: Ctx,
    session: ReadSession,
    kind: ItemKind | None = None,
    cross_township: bool | None = None,
    proxy: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[GuideSummary]:
    rows = await catalogue.list_current(
        session,
        today(ctx),
        kind=kind,
        cross_township=cross_township,
        proxy=proxy,
        in_service=True,
        limit=limit,
        cursor=cursor,
    )
    items, next_cursor = page_of(rows, limit)
    return Page[GuideSummary](
        items=[catalogue_queries.guide_summary(i, ctx.settings.instant_limit_minutes) for i in items],
        next_cursor=next_cursor,
    )


@router.get("/guides/{code}", response_model=GuideOut, summary="The service guide of one item")
async def get_guide(code: str, ctx: Ctx, session: ReadSession) -> GuideOut:
    item = await catalogue.current(session, code, today(ctx))
    if item is None or not item.in_service:
        raise not_found("service guide", code)
    materials = await catalogue.materials_of(session, item.id)
    return catalogue_queries.guide_out(
        item,
        materials,
        instant_limit_minutes=ctx.settings.instant_limit_minutes,
        limits=statutory_limits(ctx),
        appeal_route=ctx.settings.appeal_route,
        org=ctx.org,
    )


@router.post(
    "/applications/lookup",
    response_model=PublicStatus,
    summary="Status of an application by receipt number and check code (public notes only)",
    openapi_extra=problems({404: ["not_found"]}),  # no application with this receipt number and check code
)
async def application_status(body: PublicStatusLookup, session: ReadSession) -> PublicStatus:
    """The codes come in the body (a POST that changes nothing), so the check code never appears in a URL."""
    d = await applications.public_status(session, body.receipt_number, body.check_code)
    return applications_queries.public_status_out(d)


@router.post(
    "/ratings",
    status_code=201,
    response_model=PublicRatingOut,
    summary="Rate a finished service with its rating code (anonymous; once per service)",
    openapi_extra=problems({403: ["rating_code_invalid"], 409: ["already_rated"]}),
)
async def rate(body: RatingCreate, ctx: Ctx, session: Tx) -> PublicRatingOut:
    rating = await ratings.submit(
        session,
        body,
        now=ctx.now(),
        calendar=ctx.calendar,
        rectification_workdays=ctx.settings.rectification_workdays,
    )
    return rating_queries.public_rating_out(body.receipt_number, rating)
