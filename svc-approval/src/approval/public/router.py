"""Public routes: anyone may read the guides; the status page and rating need the codes on paper.

The gateway forwards these with the anonymous principal (permission ``public``); nothing here
reads who calls, and nothing a public route answers names a clerk's colleague or a rater.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from approval.applications import rules as app_rules
from approval.applications import service as applications
from approval.applications.router import notice_out, receipt_out
from approval.applications.schemas import PublicStatus, PublicStatusLookup, PublicStep
from approval.catalogue import rules as cat_rules
from approval.catalogue import service as catalogue
from approval.catalogue.models import CatalogueItem
from approval.catalogue.schemas import GuideMaterial, GuideOut, GuideSummary
from approval.deps import statutory_limits, today
from approval.ratings import rules as rating_rules
from approval.ratings import service as ratings
from approval.ratings.schemas import PublicRatingOut, RatingCreate
from jiceng_shared.errors import not_found
from jiceng_shared.openapi_problems import problems
from jiceng_shared.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, page_of
from jiceng_shared.service import Ctx, ReadSession, Tx

router = APIRouter(prefix="/public", tags=["public"])


def _summary(item: CatalogueItem, ctx: Ctx, model: type[GuideSummary] = GuideSummary, **extra: object) -> GuideSummary:
    return model(
        code=item.code,
        name=item.name,
        kind=item.kind,
        kind_zh=cat_rules.KIND_LABELS[item.kind],
        time_limit_zh=catalogue.time_limit_zh(item, ctx.settings.instant_limit_minutes),
        cross_township=item.cross_township,
        proxy=item.proxy,
        online=item.online,
        **extra,
    )


@router.get("/guides", response_model=Page[GuideSummary], summary="Service guides (办事指南) of the items in force")
async def list_guides(
    ctx: Ctx,
    session: ReadSession,
    kind: Literal["instant", "committed"] | None = None,
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
    return Page[GuideSummary](items=[_summary(i, ctx) for i in items], next_cursor=next_cursor)


@router.get("/guides/{code}", response_model=GuideOut, summary="The service guide of one item")
async def get_guide(code: str, ctx: Ctx, session: ReadSession) -> GuideOut:
    item = await catalogue.current(session, code, today(ctx))
    if item is None or not item.in_service:
        raise not_found("service guide", code)
    materials = await catalogue.materials_of(session, item.id)
    return _summary(  # type: ignore[return-value]
        item,
        ctx,
        GuideOut,
        version=item.version,
        department_zh=ctx.org.department_name(item.department),
        handled_by_zh=catalogue.handled_by_zh(item),
        statutory_limit_zh=catalogue.statutory_limit_zh(item, statutory_limits(ctx)),
        conditions=item.conditions,
        legal_basis=item.legal_basis,
        fee=item.fee,
        materials=[
            GuideMaterial(
                code=m.code,
                name=m.name,
                requirement=m.requirement,
                requirement_zh=cat_rules.REQUIREMENT_LABELS[m.requirement],
                applicant_provides=m.requirement != "shared",
                description=m.description,
            )
            for m in materials
        ],
        appeal_route=ctx.settings.appeal_route,
        effective_from=item.effective_from,
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
    app = d.app
    pending = d.notices[-1] if d.notices and app.status == "awaiting_materials" else None
    return PublicStatus(
        receipt_number=app.receipt_number,
        item_name=app.item_name,
        status=app.status,
        status_zh=app_rules.STATUS_LABELS[app.status],
        outcome=app.outcome,
        outcome_zh=app_rules.OUTCOME_LABELS.get(app.outcome or ""),
        received_at=app.received_at,
        accepted_on=app.accepted_on,
        deadline=app.deadline,
        completed_at=app.completed_at,
        handled_by_zh=app.competent_unit_name,
        missing_materials=notice_out(pending).items if pending else [],
        receipts=[receipt_out(r) for r in d.receipts],
        timeline=[
            PublicStep(at=s.at, status=s.status, status_zh=app_rules.STATUS_LABELS[s.status], note=s.note)
            for s in d.steps
            if s.public
        ],
    )


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
    return PublicRatingOut(
        receipt_number=body.receipt_number,
        level=rating.level,
        level_zh=rating_rules.LEVELS[rating.level],
        rated_at=rating.rated_at,
        follow_up=rating.bad,
    )
